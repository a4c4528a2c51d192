using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Proxy.Hosting;

/// <summary>The two Kestrel listeners, whose endpoints Kestrel updates to the real port when it binds port 0.</summary>
internal sealed class BoundListeners
{
    public ListenOptions? Proxy { get; set; }

    public ListenOptions? Admin { get; set; }

    public static string Describe(ListenOptions? listener) => listener?.EndPoint switch
    {
        IPEndPoint ip => $"http://{(ip.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{ip.Address}]" : ip.Address.ToString())}:{ip.Port}",
        { } other => other.ToString() ?? "unknown",
        null => "not bound",
    };
}
