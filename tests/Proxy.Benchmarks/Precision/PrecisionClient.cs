using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Proxy.Benchmarks.Precision;

/// <summary>
/// One agent session through a proxy: upgrade, Welcome (whose <c>request_id</c> names the session everywhere), one
/// Settings message, a hold, then either a normal Close handshake or an abrupt drop – the client's TCP connection
/// reset (SO_LINGER 0, then close), as a client that dies does.
/// </summary>
internal static class PrecisionClient
{
    private const string Settings = """{"type":"Settings","audio":{"input":{"encoding":"linear16","sample_rate":16000}},"agent":{"listen":{"provider":{"type":"deepgram","model":"nova-3"}}},"tags":["precision"]}""";

    /// <returns>The session's Deepgram request id (from Welcome).</returns>
    public static async Task<string> RunAsync(Uri url, string key, TimeSpan hold, bool drop, CancellationToken cancellationToken)
    {
        Socket? socket = null;
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, token) =>
            {
                var connected = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await connected.ConnectAsync(new IPEndPoint(IPAddress.Parse(context.DnsEndPoint.Host), context.DnsEndPoint.Port), token).ConfigureAwait(false);
                }
                catch
                {
                    connected.Dispose();
                    throw;
                }

                socket = connected;
                return new NetworkStream(connected, ownsSocket: true);
            },
        };
        using var invoker = new HttpMessageInvoker(handler);
        using var webSocket = new ClientWebSocket();
        webSocket.Options.SetRequestHeader("Authorization", "Token " + key);
        await webSocket.ConnectAsync(url, invoker, cancellationToken).ConfigureAwait(false);

        var welcome = await ReceiveTextAsync(webSocket, cancellationToken).ConfigureAwait(false);
        using var parsed = JsonDocument.Parse(welcome);
        var requestId = parsed.RootElement.GetProperty("request_id").GetString()
            ?? throw new InvalidDataException("Welcome without request_id");
        await webSocket.SendAsync(Encoding.UTF8.GetBytes(Settings), WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        await Task.Delay(hold, cancellationToken).ConfigureAwait(false);

        if (drop)
        {
            socket!.LingerState = new LingerOption(true, 0);
            socket.Close();
            webSocket.Abort();
        }
        else
        {
            // Reads (and discards) whatever the upstream still sends until its Close answers ours.
            await webSocket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", cancellationToken).ConfigureAwait(false);
        }

        return requestId;
    }

    private static async Task<string> ReceiveTextAsync(ClientWebSocket webSocket, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        var length = 0;
        while (true)
        {
            var result = await webSocket.ReceiveAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new InvalidDataException("closed before Welcome");
            }

            length += result.Count;
            if (result.EndOfMessage)
            {
                return Encoding.UTF8.GetString(buffer, 0, length);
            }

            if (length == buffer.Length)
            {
                throw new InvalidDataException("first message larger than 16 KiB");
            }
        }
    }
}
