using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace Proxy.Benchmarks.Load;

/// <summary>
/// The floor of what .NET's socket engine costs a proxy per frame: a byte-transparent TCP relay on bare
/// <see cref="Socket"/>s, with the proxy's copy loop (zero-byte read, then a pooled 64 KB buffer only while there is
/// data) and nothing else: no Kestrel, no HTTP, no parsing, no metering. The WebSocket upgrade passes through as bytes.
/// </summary>
internal sealed class SocketRelay : IDisposable
{
    // The proxy's (and YARP's) copy buffer size.
    private const int BufferSize = 64 * 1024;

    private readonly Socket _listener;
    private readonly IPEndPoint _upstream;

    public SocketRelay(IPEndPoint upstream)
    {
        _upstream = upstream;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(1024);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    /// <summary>Accepts until the listener is disposed; each connection relays on its own.</summary>
    public async Task RunAsync()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = RelayAsync(client);
        }
    }

    public void Dispose() => _listener.Dispose();

    private async Task RelayAsync(Socket client)
    {
        client.NoDelay = true;
        using var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await upstream.ConnectAsync(_upstream).ConfigureAwait(false);
            await Task.WhenAll(CopyAsync(client, upstream), CopyAsync(upstream, client)).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            // The upstream refused: the client just sees its connection end.
        }
        finally
        {
            client.Dispose();
        }
    }

    /// <summary>One direction; its end (or failure) shuts both sockets down, which ends the other direction too.</summary>
    private static async Task CopyAsync(Socket input, Socket output)
    {
        byte[]? buffer = null;
        try
        {
            while (true)
            {
                // Wait for data without a buffer: an idle connection holds none.
                await input.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None).ConfigureAwait(false);
                buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
                var read = await input.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                for (var sent = 0; sent < read;)
                {
                    sent += await output.SendAsync(buffer.AsMemory(sent, read - sent), SocketFlags.None).ConfigureAwait(false);
                }

                ArrayPool<byte>.Shared.Return(buffer);
                buffer = null;
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // The other direction shut the sockets down, or a peer reset: the end either way.
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            ShutDown(input);
            ShutDown(output);
        }
    }

    private static void ShutDown(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already gone.
        }
    }
}
