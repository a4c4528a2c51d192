using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Proxy.Runtime;

namespace Proxy.Hosting;

/// <summary>
/// Binds the proxy and admin listeners from <c>Endpoints</c>, and tags every connection with the listener it came in
/// on. Endpoints are matched against that tag, not the Host header, so a client on the public port cannot reach the
/// admin API by spoofing a host name.
/// </summary>
internal sealed class KestrelListenersSetup : IConfigureOptions<KestrelServerOptions>
{
    public static readonly object ListenerItemKey = new();

    private readonly IOptions<EndpointsOptions> _endpoints;
    private readonly IOptions<Gateway.LimitsOptions> _limits;
    private readonly BoundListeners _bound;

    public KestrelListenersSetup(IOptions<EndpointsOptions> endpoints, IOptions<Gateway.LimitsOptions> limits, BoundListeners bound)
    {
        _endpoints = endpoints;
        _limits = limits;
        _bound = bound;
    }

    public void Configure(KestrelServerOptions options)
    {
        options.AddServerHeader = false;

        // Kestrel reads its options while the host is built, before start-up validation.
        if (!BuildTimeOptions.TryGet(_endpoints, out var endpoints) || !BuildTimeOptions.TryGet(_limits, out var limits))
        {
            return;
        }

        // A client dripping its upgrade request byte by byte (slow-loris) is cut after this; Kestrel answers 408.
        options.Limits.RequestHeadersTimeout = limits.RequestHeadersTimeout;
        Bind(options, endpoints.Proxy, ListenerKind.Proxy, listener => _bound.Proxy = listener, endpoints.InlineIo);
        Bind(options, endpoints.Admin, ListenerKind.Admin, listener => _bound.Admin = listener);
    }

    private static void Bind(KestrelServerOptions options, string url, ListenerKind kind, Action<ListenOptions> remember, bool inlineIo = false)
    {
        if (!ListenerEndpoint.TryParse(url, out var endpoint, out var error))
        {
            throw new OptionsValidationException(EndpointsOptions.SectionName, typeof(EndpointsOptions), [$"Endpoints:{kind} {error}."]);
        }

        void Configure(ListenOptions listener)
        {
            listener.Protocols = HttpProtocols.Http1;
            listener.Use(next => connection =>
            {
                connection.Items[ListenerItemKey] = kind;
                return next(connection);
            });
            if (kind == ListenerKind.Proxy)
            {
                // Agent sessions take their connection over from the HTTP layer once upgraded.
                listener.Use(next => connection => Tunnel.ConnectionHandoff.RunAsync(connection, next, inlineIo));
            }

            remember(listener);
        }

        if (endpoint.Localhost)
        {
            options.ListenLocalhost(endpoint.Port, Configure);
        }
        else
        {
            options.Listen(endpoint.Address!, endpoint.Port, Configure);
        }
    }
}
