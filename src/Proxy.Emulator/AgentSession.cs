using System.Buffers;
using System.Buffers.Binary;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Proxy.Emulator;

/// <summary>
/// One accepted agent connection: the receive loop, Deepgram-like replies, the test hooks, the client message
/// timeout and the record's close fields. Every send goes through one lock because the receive loop, the audio
/// sender, the timeout and shutdown all write to the same socket.
/// </summary>
internal sealed class AgentSession : IAsyncDisposable
{
    private const int ReceiveChunkBytes = 16 * 1024;
    private const int MaxCloseReasonBytes = 123;
    private const int MaxControlPayloadBytes = 125;
    private const int DefaultAudioFrames = 50;
    private const int DefaultAudioFrameBytes = 640;
    private const int DefaultAudioIntervalMs = 20;

    private readonly HttpContext _context;
    private readonly WebSocket _socket;
    private readonly ConnectionRecord _record;
    private readonly EmulatorOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _cts;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly ArrayBufferWriter<byte> _message = new(ReceiveChunkBytes);
    private readonly Lock _backgroundGate = new();
    private readonly List<Task> _background = [];
    private readonly ITimer? _idleTimer;

    private byte[]? _discardBuffer;
    private ITimer? _closeHandshakeTimer;
    private CancellationTokenRegistration _shutdownRegistration;
    private bool _ending;
    private volatile bool _closeSent;
    private volatile bool _closeHandshakeTimedOut;
    private int? _sentCloseStatus;
    private string _serverEndReason = EndReasons.EmulatorClose;
    private bool _settingsApplied;
    private bool _skippingOversizedMessage;

    public AgentSession(HttpContext context, WebSocket socket, ConnectionRecord record, EmulatorOptions options, TimeProvider time, ILogger logger)
    {
        _context = context;
        _socket = socket;
        _record = record;
        _options = options;
        _time = time;
        _logger = logger;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        if (options.ClientMessageTimeout > TimeSpan.Zero)
        {
            // One timer per connection, pushed back on every client message, instead of a delay per message.
            _idleTimer = time.CreateTimer(_ => OnClientMessageTimeout(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    public async Task RunAsync(CancellationToken applicationStopping)
    {
        _shutdownRegistration = applicationStopping.Register(() => StartBackground(() =>
            CloseAsync(WebSocketCloseStatus.EndpointUnavailable, "server shutting down", EndReasons.ServerShutdown)));

        await SendAsync(ServerMessages.Welcome(_record.RequestId), WebSocketMessageType.Text);
        ResetIdleTimer();
        await ReceiveLoopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Task[] background;
        lock (_backgroundGate)
        {
            _ending = true;
            background = [.. _background];
        }

        // Timers go last: background work may still touch them, and their callbacks see _ending and do nothing.
        await _shutdownRegistration.DisposeAsync();
        await _cts.CancelAsync();
        await Task.WhenAll(background);
        if (_idleTimer is not null)
        {
            await _idleTimer.DisposeAsync();
        }

        if (_closeHandshakeTimer is not null)
        {
            await _closeHandshakeTimer.DisposeAsync();
        }

        // Only reached with an open record when the session failed unexpectedly.
        MarkClosed(null, CloseInitiators.None, EndReasons.SessionError);
        _cts.Dispose();
        _sendLock.Dispose();
    }

    private static bool IsConnectionLoss(Exception ex) =>
        ex is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException;

    private static int? ToCode(WebSocketCloseStatus? status) =>
        status is null or WebSocketCloseStatus.Empty ? null : (int)status.Value;

    private async Task ReceiveLoopAsync()
    {
        while (true)
        {
            ReceivedMessage message;
            try
            {
                message = await ReceiveMessageAsync();
            }
            catch (Exception ex) when (IsConnectionLoss(ex))
            {
                OnConnectionLost();
                return;
            }

            if (message.Type == WebSocketMessageType.Close)
            {
                await OnCloseReceivedAsync();
                return;
            }

            ResetIdleTimer();
            if (_closeSent)
            {
                // The client may still be sending until it sees our Close; its data no longer gets answers.
                continue;
            }

            if (message.TooBig)
            {
                await CloseAsync(WebSocketCloseStatus.MessageTooBig, "message too big", EndReasons.MessageTooBig);
            }
            else if (message.Type == WebSocketMessageType.Binary)
            {
                await OnBinaryAsync();
            }
            else if (!await OnTextAsync())
            {
                return;
            }
        }
    }

    /// <summary>Reads one whole message into <see cref="_message"/>, reassembling fragments.</summary>
    private async Task<ReceivedMessage> ReceiveMessageAsync()
    {
        _message.ResetWrittenCount();
        while (true)
        {
            // Once Close is sent, or for the tail of an oversized message, the content is read only to be dropped.
            var keep = !_closeSent && !_skippingOversizedMessage;
            var buffer = keep ? _message.GetMemory(ReceiveChunkBytes) : (_discardBuffer ??= new byte[ReceiveChunkBytes]);
            var result = await _socket.ReceiveAsync(buffer, _cts.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return new ReceivedMessage(WebSocketMessageType.Close, TooBig: false);
            }

            if (result.MessageType == WebSocketMessageType.Binary)
            {
                _record.RecordBinaryBytesReceived(result.Count);
            }

            if (keep)
            {
                _message.Advance(result.Count);
                if (_message.WrittenCount > _options.MaxMessageBytes)
                {
                    // Answer at once rather than buffering a message that may never end.
                    _skippingOversizedMessage = !result.EndOfMessage;
                    _record.RecordMessageReceived();
                    return new ReceivedMessage(result.MessageType, TooBig: true);
                }
            }

            if (!result.EndOfMessage)
            {
                continue;
            }

            if (_skippingOversizedMessage)
            {
                // The oversized message was already counted and answered when it crossed the limit.
                _skippingOversizedMessage = false;
                _message.ResetWrittenCount();
                continue;
            }

            _record.RecordMessageReceived();
            return new ReceivedMessage(result.MessageType, TooBig: false);
        }
    }

    private async Task OnBinaryAsync()
    {
        if (!_settingsApplied)
        {
            await SendErrorAsync(ErrorCodes.NonSettingsMessageBeforeSettings, "Binary audio was received before Settings.");
            return;
        }

        // Echo as agent audio: round-trip benchmarks time exactly this.
        await SendAsync(_message.WrittenMemory, WebSocketMessageType.Binary);
    }

    /// <returns>False when the connection was aborted and the loop must stop.</returns>
    private async Task<bool> OnTextAsync()
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(_message.WrittenMemory);
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException)
        {
            await SendErrorAsync(ErrorCodes.InvalidMessage, "The message is not valid JSON.");
            return true;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("type", out var typeElement)
                || typeElement.ValueKind != JsonValueKind.String)
            {
                await SendErrorAsync(ErrorCodes.InvalidMessage, "The message is not a JSON object with a string 'type'.");
                return true;
            }

            var type = typeElement.GetString()!;

            // Test hooks work in any phase, so tests can make the "upstream" misbehave before Settings too.
            switch (type)
            {
                case "EmulatorClose":
                    await OnEmulatorCloseAsync(root);
                    return true;
                case "EmulatorRawClose":
                    await OnEmulatorRawCloseAsync(root);
                    return true;
                case "EmulatorAbort":
                    Abort();
                    return false;
                case "EmulatorSendAudio":
                    await OnEmulatorSendAudioAsync(root);
                    return true;
            }

            if (!_settingsApplied)
            {
                if (type == "Settings")
                {
                    _settingsApplied = true;
                    _record.RecordSettings(Encoding.UTF8.GetString(_message.WrittenSpan));
                    await SendAsync(ServerMessages.SettingsApplied, WebSocketMessageType.Text);
                }
                else
                {
                    await SendErrorAsync(ErrorCodes.NonSettingsMessageBeforeSettings, $"Received a '{type}' message before Settings.");
                }

                return true;
            }

            await OnAgentMessageAsync(type, root);
            return true;
        }
    }

    private async Task OnAgentMessageAsync(string type, JsonElement root)
    {
        switch (type)
        {
            case "Settings":
                await SendErrorAsync(ErrorCodes.SettingsAlreadyApplied, "Settings were already applied to this session.");
                break;
            case "InjectUserMessage":
                if (root.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String)
                {
                    var text = content.GetString()!;
                    if (await SendAsync(ServerMessages.ConversationText("user", text), WebSocketMessageType.Text))
                    {
                        await SendAsync(ServerMessages.ConversationText("assistant", "You said: " + text), WebSocketMessageType.Text);
                    }
                }
                else
                {
                    await SendErrorAsync(ErrorCodes.InvalidMessage, "InjectUserMessage needs a string 'content'.");
                }

                break;
            case "UpdatePrompt":
                await SendAsync(ServerMessages.PromptUpdated, WebSocketMessageType.Text);
                break;
            case "UpdateSpeak":
                await SendAsync(ServerMessages.SpeakUpdated, WebSocketMessageType.Text);
                break;
            case "UpdateThink":
                await SendAsync(ServerMessages.ThinkUpdated, WebSocketMessageType.Text);
                break;
            case "KeepAlive":
            case "UpdateListen":
            case "InjectAgentMessage":
            case "FunctionCallResponse":
            case "ForceEndTurn":
                break;
            default:
                await SendErrorAsync(ErrorCodes.InvalidMessage, $"Unknown message type '{type}'.");
                break;
        }
    }

    private async Task OnEmulatorCloseAsync(JsonElement root)
    {
        var code = (int)WebSocketCloseStatus.NormalClosure;
        if (root.TryGetProperty("code", out var codeElement)
            && (codeElement.ValueKind != JsonValueKind.Number || !codeElement.TryGetInt32(out code) || !CloseCodes.CanSend(code)))
        {
            await SendErrorAsync(ErrorCodes.InvalidMessage, "EmulatorClose 'code' must be a sendable close status (1000-4999, not 1004-1006 or 1015).");
            return;
        }

        var reason = string.Empty;
        if (root.TryGetProperty("reason", out var reasonElement))
        {
            if (reasonElement.ValueKind != JsonValueKind.String
                || Encoding.UTF8.GetByteCount(reason = reasonElement.GetString()!) > MaxCloseReasonBytes)
            {
                await SendErrorAsync(ErrorCodes.InvalidMessage, "EmulatorClose 'reason' must be a string of at most 123 UTF-8 bytes.");
                return;
            }
        }

        await CloseAsync((WebSocketCloseStatus)code, reason, EndReasons.EmulatorClose);
    }

    private async Task OnEmulatorRawCloseAsync(JsonElement root)
    {
        if (!root.TryGetProperty("payload", out var element)
            || element.ValueKind != JsonValueKind.String
            || FromHex(element.GetString()!) is not { Length: <= MaxControlPayloadBytes } payload)
        {
            await SendErrorAsync(ErrorCodes.InvalidMessage, "EmulatorRawClose needs 'payload': the Close frame's payload in hex, at most 125 bytes.");
            return;
        }

        if (_context.Features.Get<UpgradedStreamFeature>()?.Stream is not { } stream)
        {
            await SendErrorAsync(ErrorCodes.InvalidMessage, "EmulatorRawClose needs a connection upgraded over HTTP/1.1.");
            return;
        }

        // A server frame: FIN + Close, unmasked, the payload exactly as given (any code, any bytes).
        byte[] frame = [0x88, (byte)payload.Length, .. payload];
        int? code = payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(payload) : null;
        await StartCloseAsync(code, EndReasons.EmulatorClose, precedingText: null, async token =>
        {
            await stream.WriteAsync(frame, token);
            await stream.FlushAsync(token);
        });
    }

    private static byte[]? FromHex(string hex)
    {
        try
        {
            return Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private async Task OnEmulatorSendAudioAsync(JsonElement root)
    {
        if (!TryGetInt(root, "frames", DefaultAudioFrames, 0, 1_000_000, out var frames)
            || !TryGetInt(root, "bytes", DefaultAudioFrameBytes, 1, 16 * 1024 * 1024, out var bytes)
            || !TryGetInt(root, "interval_ms", DefaultAudioIntervalMs, 0, 60_000, out var intervalMs))
        {
            await SendErrorAsync(ErrorCodes.InvalidMessage, "EmulatorSendAudio needs integer 'frames' (0-1000000), 'bytes' (1-16777216) and 'interval_ms' (0-60000).");
            return;
        }

        StartBackground(() => SendAudioAsync(frames, bytes, TimeSpan.FromMilliseconds(intervalMs)));
    }

    private static bool TryGetInt(JsonElement root, string name, int defaultValue, int min, int max, out int value)
    {
        value = defaultValue;
        if (!root.TryGetProperty(name, out var element))
        {
            return true;
        }

        return element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out value) && value >= min && value <= max;
    }

    private async Task SendAudioAsync(int frames, int bytes, TimeSpan interval)
    {
        // Silence (zeroed linear16); a PeriodicTimer keeps the cadence from drifting by the send time.
        var frame = new byte[bytes];
        using var ticker = interval > TimeSpan.Zero ? new PeriodicTimer(interval, _time) : null;
        for (var i = 0; i < frames; i++)
        {
            if (i > 0 && ticker is not null && !await ticker.WaitForNextTickAsync(_cts.Token))
            {
                return;
            }

            if (!await SendAsync(frame, WebSocketMessageType.Binary))
            {
                return;
            }
        }
    }

    private void Abort()
    {
        MarkClosed(null, CloseInitiators.None, EndReasons.EmulatorAbort);
        MarkPeerGone();
        _context.Abort();
        _socket.Abort();
    }

    private async Task OnCloseReceivedAsync()
    {
        var clientStatus = _socket.CloseStatus;
        _record.RecordClientCloseStatus(ToCode(clientStatus));
        var answered = false;
        try
        {
            await _sendLock.WaitAsync(_cts.Token);
            try
            {
                if (!_closeSent)
                {
                    _closeSent = true;
                    answered = true;
                    await _socket.CloseOutputAsync(
                        clientStatus ?? WebSocketCloseStatus.Empty,
                        ToCode(clientStatus) is null ? null : _socket.CloseStatusDescription,
                        _cts.Token);
                }
            }
            finally
            {
                _sendLock.Release();
            }
        }
        catch (Exception ex) when (IsConnectionLoss(ex))
        {
            // The client went away right after its Close: the session still ended by its Close.
        }

        if (answered)
        {
            MarkClosed(ToCode(clientStatus), CloseInitiators.Client, EndReasons.ClientClose);
        }
        else
        {
            MarkClosed(_sentCloseStatus, CloseInitiators.Server, _serverEndReason);
        }
    }

    private void OnConnectionLost()
    {
        MarkPeerGone();
        if (_closeHandshakeTimedOut)
        {
            MarkClosed(_sentCloseStatus, CloseInitiators.Server, EndReasons.CloseHandshakeTimeout);
            Log.CloseHandshakeTimeout(_logger, _record.RequestId, _options.CloseHandshakeTimeout);
            _context.Abort();
        }
        else if (_closeSent)
        {
            // Our Close went out but the client dropped the connection instead of answering.
            MarkClosed(_sentCloseStatus, CloseInitiators.Server, _serverEndReason);
        }
        else
        {
            MarkClosed(null, CloseInitiators.None, EndReasons.ClientDisconnect);
        }
    }

    private void OnClientMessageTimeout() => StartBackground(async () =>
    {
        if (_closeSent)
        {
            return;
        }

        Log.ClientMessageTimeout(_logger, _record.RequestId, _options.ClientMessageTimeout, _options.ClientMessageTimeoutCloseCode);
        await CloseAsync(
            (WebSocketCloseStatus)_options.ClientMessageTimeoutCloseCode,
            ErrorCodes.ClientMessageTimeout,
            EndReasons.ClientMessageTimeout,
            ServerMessages.ClientMessageTimeout);
    });

    private void ResetIdleTimer()
    {
        if (!_closeSent)
        {
            _idleTimer?.Change(_options.ClientMessageTimeout, Timeout.InfiniteTimeSpan);
        }
    }

    private void StartBackground(Func<Task> work)
    {
        lock (_backgroundGate)
        {
            if (_ending)
            {
                return;
            }

            _background.RemoveAll(task => task.IsCompleted);
            _background.Add(Task.Run(async () =>
            {
                try
                {
                    await work();
                }
                catch (Exception ex) when (IsConnectionLoss(ex))
                {
                    // The receive loop sees the same loss and records it.
                }
            }));
        }
    }

    private Task<bool> SendErrorAsync(string code, string description) =>
        SendAsync(ServerMessages.Error(code, description), WebSocketMessageType.Text);

    /// <returns>False when the message could not be sent (Close already sent, or the connection is gone).</returns>
    private async Task<bool> SendAsync(ReadOnlyMemory<byte> payload, WebSocketMessageType type)
    {
        try
        {
            await _sendLock.WaitAsync(_cts.Token);
            try
            {
                if (_closeSent || _socket.State != WebSocketState.Open)
                {
                    return false;
                }

                await _socket.SendAsync(payload, type, endOfMessage: true, _cts.Token);
                _record.RecordSent();
                return true;
            }
            finally
            {
                _sendLock.Release();
            }
        }
        catch (Exception ex) when (IsConnectionLoss(ex))
        {
            return false;
        }
    }

    /// <summary>Starts a server-initiated close; the receive loop completes the handshake when the client answers.</summary>
    private Task CloseAsync(WebSocketCloseStatus status, string description, string endReason, byte[]? precedingText = null) =>
        StartCloseAsync((int)status, endReason, precedingText, token => _socket.CloseOutputAsync(status, description, token));

    /// <summary>Sends a Close with <paramref name="sendClose"/> (under the send lock) unless one went already, then
    /// waits for the client's reply for CloseHandshakeTimeout.</summary>
    private async Task StartCloseAsync(int? status, string endReason, byte[]? precedingText, Func<CancellationToken, Task> sendClose)
    {
        try
        {
            await _sendLock.WaitAsync(_cts.Token);
            try
            {
                if (_closeSent || _socket.State != WebSocketState.Open)
                {
                    return;
                }

                // Under the same lock as the Close, so no audio frame can slip between the Error and the Close.
                if (precedingText is not null)
                {
                    await _socket.SendAsync(precedingText, WebSocketMessageType.Text, endOfMessage: true, _cts.Token);
                    _record.RecordSent();
                }

                // Published before the volatile _closeSent, which the receive loop reads without the lock.
                _sentCloseStatus = status;
                _serverEndReason = endReason;
                _closeSent = true;
                _idleTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                await sendClose(_cts.Token);
            }
            finally
            {
                _sendLock.Release();
            }
        }
        catch (Exception ex) when (IsConnectionLoss(ex))
        {
            return;
        }

        _closeHandshakeTimer = _time.CreateTimer(
            _ =>
            {
                _closeHandshakeTimedOut = true;
                _cts.Cancel();
            },
            null,
            _options.CloseHandshakeTimeout,
            Timeout.InfiniteTimeSpan);
    }

    private void MarkPeerGone() =>
        _record.MarkPeerGone(_time.GetElapsedTime(_record.AcceptedTimestamp), _time.GetUtcNow());

    private void MarkClosed(int? closeStatus, string closeInitiator, string endReason) =>
        _record.MarkSessionEnded(closeStatus, closeInitiator, endReason);
}
