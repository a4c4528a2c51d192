using System.Net;
using System.Net.Sockets;

namespace Proxy.TestSupport;

internal static class FreePort
{
    /// <summary>A loopback port free right now, for servers told their port on the command line (they cannot report
    /// one they bound themselves).</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
