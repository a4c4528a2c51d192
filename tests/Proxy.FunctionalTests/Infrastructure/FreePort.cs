using System.Net;
using System.Net.Sockets;

namespace Proxy.FunctionalTests.Infrastructure;

internal static class FreePort
{
    /// <summary>A loopback port free right now, for servers that cannot report a port they bound themselves.</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
