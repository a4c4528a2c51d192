using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Proxy.Benchmarks.Load;

/// <summary>
/// One agent session on a bare socket: HTTP upgrade, Welcome → Settings → SettingsApplied, then paced frames sent by a
/// sender loop and an async receive loop that times each echo. Written on a bare socket rather than ClientWebSocket
/// so that a paced send is one non-blocking socket call with no allocation, no async state machine and no wrapper
/// lock, and the sender loop can see at once that a session's socket is full; the generator's CPU is measured and
/// reported with every run.
/// </summary>
internal sealed class LoadSession
{
    /// <summary>16 kHz linear16, 20 ms: what voice apps stream.</summary>
    public const int AudioPayloadBytes = 640;

    // Audio payload layout: sequence number (8 bytes), send timestamp in Stopwatch ticks (8), measured flag (1).
    private const int StampBytes = 17;
    private const int ReceiveBufferBytes = 8 * 1024;
    private const string WebSocketGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private const string Settings =
        """{"type":"Settings","audio":{"input":{"encoding":"linear16","sample_rate":16000},"output":{"encoding":"linear16","sample_rate":16000}},"agent":{"listen":{"provider":{"type":"deepgram","model":"nova-3"}},"think":{"provider":{"type":"open_ai","model":"gpt-4o-mini"}},"speak":{"provider":{"type":"deepgram","model":"aura-2-thalia-en"}}},"tags":["load-test"]}""";

    private readonly Socket _socket;
    private readonly LoadRecorder _recorder;
    private readonly Lock _sendLock = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly byte[] _maskKey = new byte[4];
    private readonly byte[] _audioFrame;
    private readonly byte[] _keepAliveFrame;
    private readonly byte[] _settingsFrame;

    private byte[] _receive = new byte[ReceiveBufferBytes];
    private int _start;
    private int _end;
    private volatile SessionState _state;
    private long _nextSequence;
    private long _expectedSequence;
    private long _sentMeasured;
    private long _receivedMeasured;
    private long _outOfOrder;
    private long _skipped;
    private volatile bool _sendPending;

    private LoadSession(Socket socket, LoadRecorder recorder)
    {
        _socket = socket;
        _recorder = recorder;
        var maskKey = (uint)Random.Shared.Next() | 1u;
        BinaryPrimitives.WriteUInt32BigEndian(_maskKey, maskKey);

        // One mask key per session rather than per frame: servers cannot tell, and re-masking 640 constant bytes per
        // frame would only burn generator CPU. Only the stamp at the front changes from frame to frame.
        _audioFrame = ClientFrames.Build(ClientFrames.Binary, new byte[AudioPayloadBytes], maskKey);
        _keepAliveFrame = ClientFrames.BuildText("""{"type":"KeepAlive"}""", maskKey);
        _settingsFrame = ClientFrames.BuildText(Settings, maskKey);
    }

    public int Index { get; private init; }

    /// <summary>Measured frames this session sent (written by its sender loop only).</summary>
    public long SentMeasured => Volatile.Read(ref _sentMeasured);

    /// <summary>Echoes of measured frames received (written by the receive loop only).</summary>
    public long ReceivedMeasured => Volatile.Read(ref _receivedMeasured);

    /// <summary>Echoes that came after a later frame's echo.</summary>
    public long OutOfOrder => Volatile.Read(ref _outOfOrder);

    /// <summary>Frames due in the measured window but not sent: the previous one was still waiting for room in the
    /// socket (the target did not keep up), or the sender loop was more than a period late (the machine did not).
    /// The generator never queues more than one frame per session.</summary>
    public long Skipped => Volatile.Read(ref _skipped);

    /// <summary>Called by the sender loop (the only writer of the count) for slots it missed.</summary>
    public void CountSkipped(long frames)
    {
        if (_recorder.Recording)
        {
            _skipped += frames;
        }
    }

    public bool IsSending => _state == SessionState.Ready;

    public bool Failed => _state == SessionState.Failed;

    /// <summary>Connects, upgrades and completes Welcome → Settings → SettingsApplied.</summary>
    public static async Task<LoadSession> OpenAsync(int index, Uri url, string key, LoadRecorder recorder, TimeSpan timeout)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var session = new LoadSession(socket, recorder) { Index = index };
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Parse(url.Host), url.Port), cts.Token).ConfigureAwait(false);
            await session.UpgradeAsync(url, key, cts.Token).ConfigureAwait(false);
            _ = session.ReceiveLoopAsync();
            await session._ready.Task.WaitAsync(cts.Token).ConfigureAwait(false);
            return session;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or IOException or InvalidDataException or ObjectDisposedException)
        {
            session._state = SessionState.Failed;
            socket.Dispose();
            throw new IOException(ex is OperationCanceledException ? $"session {index}: no SettingsApplied within {timeout}" : $"session {index}: {ex.Message}", ex);
        }
    }

    /// <summary>Sends the next audio frame, stamped now; called by the session's sender loop, which it never blocks.</summary>
    /// <returns>False once the session no longer sends.</returns>
    public bool SendAudio()
    {
        lock (_sendLock)
        {
            if (_state != SessionState.Ready)
            {
                return false;
            }

            if (!CanSendLocked())
            {
                return true;
            }

            var measured = _recorder.Recording;
            Span<byte> stamp = stackalloc byte[StampBytes];
            BinaryPrimitives.WriteInt64LittleEndian(stamp, _nextSequence++);
            BinaryPrimitives.WriteInt64LittleEndian(stamp[8..], Stopwatch.GetTimestamp());
            stamp[16] = measured ? (byte)1 : (byte)0;
            ClientFrames.Mask(stamp, _maskKey, 0);
            stamp.CopyTo(_audioFrame.AsSpan(ClientFrames.MediumHeaderBytes));
            if (measured)
            {
                _sentMeasured++;
            }

            StartSendLocked(_audioFrame);
            return true;
        }
    }

    /// <summary>Sends a KeepAlive; called by the sender loop of idle sessions.</summary>
    public bool SendKeepAlive()
    {
        lock (_sendLock)
        {
            if (_state != SessionState.Ready)
            {
                return false;
            }

            if (CanSendLocked())
            {
                StartSendLocked(_keepAliveFrame);
            }

            return true;
        }
    }

    /// <summary>Whether a frame may go now: not while the previous send is pending, and then the frame that could not
    /// go counts as skipped if the recorder is measuring. Called under <see cref="_sendLock"/>.</summary>
    private bool CanSendLocked()
    {
        if (!_sendPending)
        {
            return true;
        }

        if (_recorder.Recording)
        {
            _skipped++;
        }

        return false;
    }

    /// <summary>Close 1000 and wait for the target's Close; a session that already failed is just dropped.</summary>
    public async Task CloseAsync(TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (_sendPending && _state == SessionState.Ready && Stopwatch.GetTimestamp() < deadline)
        {
            // A frame still waits for room in the socket; the Close must not overtake it.
            await Task.Delay(1).ConfigureAwait(false);
        }

        var sent = false;
        lock (_sendLock)
        {
            if (_state == SessionState.Ready && !_sendPending)
            {
                _state = SessionState.Closing;
                Span<byte> status = stackalloc byte[2];
                BinaryPrimitives.WriteUInt16BigEndian(status, 1000);
                sent = SendLocked(ClientFrames.Build(ClientFrames.Close, status, BinaryPrimitives.ReadUInt32BigEndian(_maskKey)));
            }
            else if (_state == SessionState.Ready)
            {
                Fail($"a frame found no room in the socket for {timeout.TotalSeconds:0} s");
            }
        }

        if (sent)
        {
            try
            {
                await _closed.Task.WaitAsync(timeout).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                Fail($"no Close from the target within {timeout.TotalSeconds:0} s of ours");
            }
        }

        _socket.Dispose();
    }

    private static string Describe(ReadOnlySpan<byte> text) =>
        Encoding.UTF8.GetString(text.Length > 200 ? text[..200] : text);

    private static string? MessageType(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            using var document = JsonDocument.ParseValue(ref reader);
            return document.RootElement.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String ? type.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Sends a whole frame, blocking: for the handshake and control frames, never for paced frames.</summary>
    private bool SendLocked(byte[] frame)
    {
        try
        {
            var sent = 0;
            while (sent < frame.Length)
            {
                sent += _socket.Send(frame, sent, frame.Length - sent, SocketFlags.None);
            }

            return true;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            Fail("send failed: " + ex.Message);
            return false;
        }
    }

    /// <summary>
    /// Starts sending a paced frame. On loopback the send nearly always completes at once (no allocation, no thread
    /// hop); when the socket is full it completes later, and until then this session's due frames are skipped, so one
    /// slow session never holds up the others of its sender loop.
    /// </summary>
    private void StartSendLocked(byte[] frame)
    {
        ValueTask<int> send;
        try
        {
            send = _socket.SendAsync((ReadOnlyMemory<byte>)frame, SocketFlags.None);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            Fail("send failed: " + ex.Message);
            return;
        }

        if (send.IsCompletedSuccessfully)
        {
            return;
        }

        _sendPending = true;
        _ = CompleteSendAsync(send);
    }

    private async Task CompleteSendAsync(ValueTask<int> send)
    {
        try
        {
            // Socket.SendAsync completes once every byte is sent.
            await send.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            Fail("send failed: " + ex.Message);
        }
        finally
        {
            _sendPending = false;
        }
    }

    private async Task UpgradeAsync(Uri url, string key, CancellationToken cancellationToken)
    {
        var secKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var request = $"GET {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                      $"Sec-WebSocket-Key: {secKey}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Token {key}\r\n\r\n";
        await _socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, cancellationToken).ConfigureAwait(false);

        var headerEnd = -1;
        while (headerEnd < 0)
        {
            if (_end == _receive.Length)
            {
                throw new InvalidDataException("upgrade response headers too long");
            }

            var read = await _socket.ReceiveAsync(_receive.AsMemory(_end), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new InvalidDataException("connection closed during the upgrade");
            }

            _end += read;
            headerEnd = _receive.AsSpan(0, _end).IndexOf("\r\n\r\n"u8);
        }

        var headers = Encoding.ASCII.GetString(_receive, 0, headerEnd);
        if (!headers.StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
        {
            var body = Encoding.UTF8.GetString(_receive, headerEnd + 4, _end - headerEnd - 4);
            throw new InvalidDataException($"upgrade refused: {headers.Split("\r\n")[0]} {body}".Trim());
        }

#pragma warning disable CA5350 // RFC 6455 defines Sec-WebSocket-Accept with SHA-1; it is a handshake check, not security.
        var expectedAccept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(secKey + WebSocketGuid)));
#pragma warning restore CA5350
        if (!headers.Contains("Sec-WebSocket-Accept: " + expectedAccept, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException("upgrade response without the right Sec-WebSocket-Accept");
        }

        // Bytes after the headers (the Welcome, often) are frames.
        _start = headerEnd + 4;
    }

    private async Task ReceiveLoopAsync()
    {
        try
        {
            while (true)
            {
                if (!ParseFrames())
                {
                    return;
                }

                var read = await _socket.ReceiveAsync(_receive.AsMemory(_end), SocketFlags.None).ConfigureAwait(false);
                if (read == 0)
                {
                    if (_state is not (SessionState.Closing or SessionState.Closed))
                    {
                        Fail("the target ended the connection without a Close");
                    }

                    return;
                }

                _end += read;
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            if (_state is not (SessionState.Closed or SessionState.Failed))
            {
                Fail("receive failed: " + ex.Message);
            }
        }
    }

    /// <summary>Handles every whole frame in the buffer and makes room for the next read.</summary>
    /// <returns>False when the session is over.</returns>
    private bool ParseFrames()
    {
        var now = Stopwatch.GetTimestamp();
        while (_end - _start >= 2)
        {
            var buffer = _receive.AsSpan(_start, _end - _start);
            var opcode = buffer[0] & 0x0F;
            var fin = (buffer[0] & 0x80) != 0;
            if ((buffer[1] & 0x80) != 0)
            {
                Fail("the target sent a masked frame");
                return false;
            }

            long length = buffer[1] & 0x7F;
            var header = 2;
            if (length == 126)
            {
                if (buffer.Length < 4)
                {
                    break;
                }

                length = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
                header = 4;
            }
            else if (length == 127)
            {
                if (buffer.Length < 10)
                {
                    break;
                }

                length = (long)BinaryPrimitives.ReadUInt64BigEndian(buffer[2..]);
                header = 10;
            }

            if (header + length > 16 * 1024 * 1024)
            {
                Fail($"the target sent a {length}-byte frame");
                return false;
            }

            if (buffer.Length < header + length)
            {
                if (header + length > _receive.Length)
                {
                    Array.Resize(ref _receive, (int)(header + length));
                }

                break;
            }

            var payload = buffer.Slice(header, (int)length);
            _start += header + (int)length;
            if (!fin || opcode == 0)
            {
                Fail("the target sent a fragmented message");
                return false;
            }

            if (!OnFrame(opcode, payload, now))
            {
                return false;
            }
        }

        if (_start == _end)
        {
            _start = _end = 0;
        }
        else if (_start > 0 && _receive.Length - _end < ReceiveBufferBytes / 2)
        {
            _receive.AsSpan(_start, _end - _start).CopyTo(_receive);
            _end -= _start;
            _start = 0;
        }

        return true;
    }

    private bool OnFrame(int opcode, ReadOnlySpan<byte> payload, long now)
    {
        switch (opcode)
        {
            case ClientFrames.Binary:
                OnEcho(payload, now);
                return true;
            case ClientFrames.Text:
                return OnText(payload);
            case ClientFrames.Close:
                if (_state == SessionState.Closing)
                {
                    _state = SessionState.Closed;
                    _closed.TrySetResult();
                }
                else
                {
                    var code = payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(payload) : 1005;
                    Fail($"the target closed the session: {code} {Describe(payload.Length > 2 ? payload[2..] : [])}".TrimEnd());
                }

                return false;
            case ClientFrames.Ping:
                // Receive loops run on the socket engine's thread (inline completions): never wait there behind a
                // frame waiting for room in the socket. None of the targets pings; a pong skipped under load is harmless.
                if (!_sendPending && _sendLock.TryEnter())
                {
                    try
                    {
                        SendLocked(ClientFrames.Build(ClientFrames.Pong, payload, BinaryPrimitives.ReadUInt32BigEndian(_maskKey)));
                    }
                    finally
                    {
                        _sendLock.Exit();
                    }
                }

                return true;
            case ClientFrames.Pong:
                return true;
            default:
                Fail($"the target sent opcode {opcode}");
                return false;
        }
    }

    private void OnEcho(ReadOnlySpan<byte> payload, long now)
    {
        if (_state is not (SessionState.Ready or SessionState.Closing) || payload.Length != AudioPayloadBytes)
        {
            Fail($"unexpected binary frame of {payload.Length} bytes");
            return;
        }

        var sequence = BinaryPrimitives.ReadInt64LittleEndian(payload);
        if (sequence == _expectedSequence)
        {
            _expectedSequence++;
        }
        else if (sequence > _expectedSequence)
        {
            // A gap: the missing frames are counted as drops unless they still arrive (then as out of order).
            _expectedSequence = sequence + 1;
        }
        else
        {
            _outOfOrder++;
        }

        if (payload[16] == 1)
        {
            var sentAt = BinaryPrimitives.ReadInt64LittleEndian(payload[8..]);
            _recorder.RoundTrip.Record(LoadRecorder.ToMicroseconds(now - sentAt));
            Volatile.Write(ref _receivedMeasured, _receivedMeasured + 1);
        }
    }

    private bool OnText(ReadOnlySpan<byte> payload)
    {
        var type = MessageType(payload);
        switch (_state)
        {
            case SessionState.AwaitingWelcome when type == "Welcome":
                _state = SessionState.AwaitingSettingsApplied;
                lock (_sendLock)
                {
                    return SendLocked(_settingsFrame);
                }

            case SessionState.AwaitingSettingsApplied when type == "SettingsApplied":
                _state = SessionState.Ready;
                _ready.TrySetResult();
                return true;
            default:
                // A Warning, an Error or anything else: under this load nothing but echoes is expected.
                Fail("unexpected message: " + Describe(payload));
                return false;
        }
    }

    private void Fail(string message)
    {
        var previous = _state;
        if (previous is SessionState.Failed or SessionState.Closed)
        {
            return;
        }

        _state = SessionState.Failed;
        if (previous is SessionState.AwaitingWelcome or SessionState.AwaitingSettingsApplied)
        {
            // OpenAsync reports it; the session never joined the load.
            _ready.TrySetException(new IOException(message));
        }
        else
        {
            _recorder.SessionFailed($"session {Index}: {message}");
        }

        _closed.TrySetResult();
        _socket.Dispose();
    }
}
