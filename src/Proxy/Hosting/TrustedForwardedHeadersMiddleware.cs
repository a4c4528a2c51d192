using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using Proxy.Runtime;

namespace Proxy.Hosting;

/// <summary>
/// On the proxy listener, a trusted load balancer's <c>X-Forwarded-For</c> becomes the request's remote address (what
/// the failed-key limiter counts and the logs show), through ASP.NET Core's forwarded-headers middleware. The admin
/// listener is private and reached directly. Per request only: the connection handoff and the tunnel never look at it.
/// </summary>
internal sealed class TrustedForwardedHeadersMiddleware
{
    private readonly RequestDelegate _next;
    private readonly ForwardedHeadersMiddleware? _forwarded;

    // Built with the pipeline, once the options have been validated at start.
    public TrustedForwardedHeadersMiddleware(RequestDelegate next, ILoggerFactory loggerFactory, IOptions<TrustedProxiesOptions> trusted, IOptions<ForwardedHeadersOptions> options)
    {
        _next = next;

        // ASP.NET Core's middleware believes every peer when it knows no proxy and no network: with none configured it
        // must not run at all, or any client could name its own address.
        _forwarded = trusted.Value.TrustsAny ? new ForwardedHeadersMiddleware(next, loggerFactory, options) : null;
    }

    public Task InvokeAsync(HttpContext context) =>
        _forwarded is not null && ListenerGuardMiddleware.ListenerOf(context) == ListenerKind.Proxy
            ? _forwarded.Invoke(context)
            : _next(context);
}
