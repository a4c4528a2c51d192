using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Proxy.Hosting;

/// <summary>
/// ASP.NET Core's forwarded-headers middleware, trusting exactly the configured proxies. Its defaults trust loopback,
/// which must not hold here: a client on the same host, or a sidecar that does not rewrite the header, could then name
/// any address it likes and so escape the failed-key limiter. Only <c>X-Forwarded-For</c> is read: the client's
/// address is all the proxy needs, and the upstream request never carries X-Forwarded-* anyway.
/// </summary>
internal sealed class ForwardedHeadersSetup : IConfigureOptions<ForwardedHeadersOptions>
{
    private readonly TrustedProxiesOptions _trusted;

    public ForwardedHeadersSetup(IOptions<TrustedProxiesOptions> trusted)
    {
        _trusted = trusted.Value;
    }

    public void Configure(ForwardedHeadersOptions options)
    {
        options.ForwardedHeaders = ForwardedHeaders.XForwardedFor;
        options.ForwardLimit = _trusted.ForwardLimit;
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();

        // Validated at start (TrustedProxiesOptionsValidator); an entry that does not parse is trusted the least.
        foreach (var proxy in _trusted.KnownProxies)
        {
            if (TrustedProxiesOptions.TryParseProxy(proxy, out var address))
            {
                options.KnownProxies.Add(address);
            }
        }

        foreach (var network in _trusted.KnownNetworks)
        {
            if (TrustedProxiesOptions.TryParseNetwork(network, out var parsed))
            {
                options.KnownIPNetworks.Add(parsed);
            }
        }
    }
}
