using System.Net;
using System.Net.Sockets;

namespace Proxy.Tests.Tunnel;

/// <summary>Two connected TCP sockets on loopback, Nagle off on both: the proxy's side and its peer's.</summary>
internal static class LoopbackSocketPair
{
    public static async Task<(Socket Client, Socket Server)> ConnectAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accepting = listener.AcceptAsync();
        await client.ConnectAsync(listener.LocalEndPoint!);
        var server = await accepting;
        server.NoDelay = true;
        return (client, server);
    }
}
