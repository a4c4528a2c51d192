using System.Net;
using System.Net.Sockets;

namespace Proxy.Hosting;

/// <summary>
/// After Kestrel failed to bind at start (address in use, or not an address of this machine), finds which listener
/// setting it was by binding each address once more, so the report names the key. Kestrel's own error does not always
/// say which address failed.
/// </summary>
internal static class ListenerBindCheck
{
    public static List<string> Failures(EndpointsOptions endpoints)
    {
        var failures = new List<string>();
        Check(failures, "Endpoints:Proxy", endpoints.Proxy);
        Check(failures, "Endpoints:Admin", endpoints.Admin);
        return failures;
    }

    private static void Check(List<string> failures, string key, string url)
    {
        if (!ListenerEndpoint.TryParse(url, out var endpoint, out _) || endpoint.Port == 0)
        {
            return;
        }

        try
        {
            var address = endpoint.Address ?? IPAddress.Loopback;
            using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(address, endpoint.Port));
        }
        catch (SocketException ex)
        {
            failures.Add($"{key} ({url}) cannot be listened on: {ex.Message}.");
        }
    }
}
