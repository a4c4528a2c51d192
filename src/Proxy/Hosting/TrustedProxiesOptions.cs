using System.Net;
using System.Net.Sockets;

namespace Proxy.Hosting;

/// <summary>
/// Binds the <c>ForwardedHeaders</c> configuration section: the load balancers whose <c>X-Forwarded-For</c> names
/// the client on the proxy listener. Nothing is trusted by default, so a client cannot choose its own address.
/// </summary>
internal sealed class TrustedProxiesOptions
{
    public const string SectionName = "ForwardedHeaders";

    /// <summary>Addresses of trusted proxies, e.g. <c>10.0.0.5</c> or <c>fd00::5</c>.</summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Networks of trusted proxies in CIDR form, e.g. <c>10.0.0.0/8</c>.</summary>
    public string[] KnownNetworks { get; set; } = [];

    /// <summary>How many <c>X-Forwarded-For</c> entries are read from the right, one per trusted proxy in the chain;
    /// reading stops at the first address that is not a trusted proxy.</summary>
    public int ForwardLimit { get; set; } = 1;

    public bool TrustsAny => KnownProxies.Length > 0 || KnownNetworks.Length > 0;

    /// <summary>An IP address, IPv4 in full dotted form: <see cref="IPAddress.TryParse(string, out IPAddress)"/>
    /// also reads <c>10.1</c> as 10.0.0.1, which is never what an operator meant.</summary>
    public static bool TryParseProxy(string? value, out IPAddress address)
    {
        value = value?.Trim();
        if (!IPAddress.TryParse(value, out address!)
            || (address.AddressFamily == AddressFamily.InterNetwork && value.AsSpan().Count('.') != 3))
        {
            address = IPAddress.None;
            return false;
        }

        return true;
    }

    /// <summary>A network in CIDR form with no bits set after the prefix. <see cref="IPNetwork"/> would clear such
    /// bits silently, and <c>10.0.0.1/8</c> written for one host would trust sixteen million.</summary>
    public static bool TryParseNetwork(string? value, out IPNetwork network)
    {
        value = value?.Trim();
        var slash = value?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (slash < 0
            || !TryParseProxy(value![..slash], out var written)
            || !IPNetwork.TryParse(value, out network)
            || !network.BaseAddress.Equals(written))
        {
            network = default;
            return false;
        }

        return true;
    }
}
