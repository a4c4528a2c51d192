using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Proxy.FunctionalTests.Infrastructure;

/// <summary>
/// A real WebSocket client speaking the agent protocol, which keeps exact count of the frames and wire bytes it
/// sends and receives, so a record's traffic figures can be checked to the byte.
/// </summary>
internal sealed class AgentTestClient : IAsyncDisposable
{
    private readonly byte[] _buffer = new byte[1 << 20];
    private readonly List<ReceivedMessage> _received = [];
    private Task? _reader;
    private TimeSpan? _closedAt;

    private AgentTestClient(ClientWebSocket socket)
    {
        Socket = socket;
    }

    public ClientWebSocket Socket { get; }

    public long FramesSent { get; private set; }

    public long BytesSent { get; private set; }

    public long FramesReceived { get; private set; }

    public long BytesReceived { get; private set; }

    public int BinaryMessagesReceived { get; private set; }

    public WebSocketCloseStatus? CloseStatus => Socket.CloseStatus;

    public static Task<AgentTestClient> ConnectWithHeaderAsync(Uri url, string key, Action<ClientWebSocketOptions>? configure = null) =>
        ConnectAsync(url, options =>
        {
            options.SetRequestHeader("Authorization", "Token " + key);
            configure?.Invoke(options);
        });

    public static Task<AgentTestClient> ConnectWithSubprotocolAsync(Uri url, string key, Action<ClientWebSocketOptions>? configure = null) =>
        ConnectAsync(url, options =>
        {
            options.AddSubProtocol("token");
            options.AddSubProtocol(key);
            configure?.Invoke(options);
        });

    /// <summary>Connects with the key in the Authorization header and runs the opening every session has: Welcome,
    /// Settings, SettingsApplied. Returns the client and Deepgram's request id (the emulator's key to its record).</summary>
    public static async Task<(AgentTestClient Client, string RequestId)> StartSessionAsync(Uri url, string key)
    {
        var client = await ConnectWithHeaderAsync(url, key).ConfigureAwait(false);
        var requestId = (await client.ReceiveJsonAsync("Welcome").ConfigureAwait(false)).GetProperty("request_id").GetString()!;
        await client.SendTextAsync(SettingsJson()).ConfigureAwait(false);
        await client.ReceiveJsonAsync("SettingsApplied").ConfigureAwait(false);
        return (client, requestId);
    }

    public static async Task<AgentTestClient> ConnectAsync(Uri url, Action<ClientWebSocketOptions> configure)
    {
        var socket = new ClientWebSocket();

        // No unsolicited pongs: every frame on the wire is one the test sent.
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        configure(socket.Options);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await socket.ConnectAsync(url, timeout.Token).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new AgentTestClient(socket);
    }

    /// <summary>The size on the wire of a frame with this payload (RFC 6455 §5.2); client frames carry a 4-byte mask.</summary>
    public static long WireSize(long payload, bool masked) =>
        payload + 2 + (payload >= 65536 ? 8 : payload >= 126 ? 2 : 0) + (masked ? 4 : 0);

    public static string SettingsJson(string tag = "functional") => JsonSerializer.Serialize(new
    {
        type = "Settings",
        tags = new[] { tag, "second-tag" },
        audio = new { input = new { encoding = "linear16", sample_rate = 16000 }, output = new { encoding = "linear16", sample_rate = 24000 } },
        agent = new
        {
            listen = new { provider = new { type = "deepgram", model = "nova-3" } },
            think = new { provider = new { type = "open_ai", model = "gpt-4o-mini" }, prompt = "You are a test." },
            speak = new { provider = new { type = "deepgram", model = "aura-2-thalia-en" } },
        },
    });

    public async Task SendTextAsync(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        await Socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None).ConfigureAwait(false);
        Count(bytes.Length);
    }

    /// <summary>Sends a text message every <paramref name="interval"/> until disposed (a client keeping its socket
    /// alive, or streaming). Only the receiving side of the socket is used meanwhile by the caller.</summary>
    public RepeatingSender SendEvery(TimeSpan interval, string text) => Repeat(interval, () => SendTextAsync(text));

    /// <summary>Streams 640-byte audio frames every <paramref name="interval"/> until disposed.</summary>
    public RepeatingSender StreamAudio(TimeSpan interval) => Repeat(interval, () => SendBinaryAsync(640));

    private static RepeatingSender Repeat(TimeSpan interval, Func<Task> send) => new(interval, send);

    public async Task SendBinaryAsync(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        await Socket.SendAsync(bytes, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None).ConfigureAwait(false);
        Count(length);
    }

    /// <summary>Receives until a text message of the given type arrives (binary messages on the way are counted).</summary>
    public async Task<JsonElement> ReceiveJsonAsync(string type)
    {
        while (true)
        {
            var (messageType, payload) = await ReceiveMessageAsync().ConfigureAwait(false);
            if (messageType == WebSocketMessageType.Close)
            {
                throw new InvalidOperationException($"Closed ({Socket.CloseStatus} {Socket.CloseStatusDescription}) while waiting for {type}.");
            }

            if (messageType == WebSocketMessageType.Text)
            {
                var message = JsonDocument.Parse(payload).RootElement.Clone();
                if (message.GetProperty("type").GetString() == type)
                {
                    return message;
                }
            }
        }
    }

    public async Task ReceiveBinaryAsync(int count)
    {
        var target = BinaryMessagesReceived + count;
        while (BinaryMessagesReceived < target)
        {
            var (messageType, _) = await ReceiveMessageAsync().ConfigureAwait(false);
            if (messageType == WebSocketMessageType.Close)
            {
                throw new InvalidOperationException("Closed while waiting for audio.");
            }
        }
    }

    /// <summary>
    /// Waits up to <paramref name="timeout"/> for the server to close the session and returns every JSON message
    /// received since the first call, with when it arrived. The first call hands the socket's receiving side to a
    /// background reader for good (cancelling a ClientWebSocket receive would abort the socket); it answers the
    /// server's Close.
    /// </summary>
    public async Task<ReceivedSession> ReceiveUntilClosedAsync(TimeSpan timeout)
    {
        _reader ??= ReadUntilClosedAsync();
        await Task.WhenAny(_reader, Task.Delay(timeout)).ConfigureAwait(false);
        lock (_received)
        {
            return new ReceivedSession([.. _received], _closedAt is not null, _closedAt ?? TimeSpan.Zero);
        }
    }

    private async Task ReadUntilClosedAsync()
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            while (true)
            {
                var (type, payload) = await ReceiveMessageAsync(CancellationToken.None).ConfigureAwait(false);
                var at = System.Diagnostics.Stopwatch.GetElapsedTime(started);
                if (type == WebSocketMessageType.Close)
                {
                    lock (_received)
                    {
                        _closedAt = at;
                    }

                    if (Socket.State == WebSocketState.CloseReceived)
                    {
                        await Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).ConfigureAwait(false);
                    }

                    return;
                }

                if (type == WebSocketMessageType.Text)
                {
                    var json = JsonDocument.Parse(payload).RootElement.Clone();
                    lock (_received)
                    {
                        _received.Add(new ReceivedMessage(at, json.GetProperty("type").GetString()!, json.TryGetProperty("code", out var code) ? code.GetString() : null, json));
                    }
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException)
        {
            // The connection went away without a Close: the session is over, not closed.
        }
    }

    /// <summary>Performs the close handshake from the client side and waits for the server's answer.</summary>
    public async Task CloseAsync(WebSocketCloseStatus status = WebSocketCloseStatus.NormalClosure, string reason = "done")
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await Socket.CloseOutputAsync(status, reason, timeout.Token).ConfigureAwait(false);
        Count(2 + Encoding.UTF8.GetByteCount(reason));
        if (_reader is not null)
        {
            await _reader.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            return;
        }

        await ReceiveCloseAsync().ConfigureAwait(false);
    }

    /// <summary>Waits for the server's Close frame (counting everything before it).</summary>
    public async Task ReceiveCloseAsync()
    {
        while (true)
        {
            var (messageType, _) = await ReceiveMessageAsync().ConfigureAwait(false);
            if (messageType == WebSocketMessageType.Close)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Socket.Dispose();
        await Task.CompletedTask.ConfigureAwait(false);
    }

    private void Count(long payload)
    {
        FramesSent++;
        BytesSent += WireSize(payload, masked: true);
    }

    private async Task<(WebSocketMessageType Type, byte[] Payload)> ReceiveMessageAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        return await ReceiveMessageAsync(timeout.Token).ConfigureAwait(false);
    }

    private async Task<(WebSocketMessageType Type, byte[] Payload)> ReceiveMessageAsync(CancellationToken cancellationToken)
    {
        var length = 0;
        while (true)
        {
            var result = await Socket.ReceiveAsync(_buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                var closePayload = Socket.CloseStatus is null ? 0 : 2 + Encoding.UTF8.GetByteCount(Socket.CloseStatusDescription ?? string.Empty);
                FramesReceived++;
                BytesReceived += WireSize(closePayload, masked: false);
                return (WebSocketMessageType.Close, []);
            }

            // The emulator sends each message as one frame; count per frame as it arrives.
            length += result.Count;
            if (!result.EndOfMessage)
            {
                continue;
            }

            FramesReceived++;
            BytesReceived += WireSize(length, masked: false);
            if (result.MessageType == WebSocketMessageType.Binary)
            {
                BinaryMessagesReceived++;
            }

            return (result.MessageType, _buffer[..length]);
        }
    }
}
