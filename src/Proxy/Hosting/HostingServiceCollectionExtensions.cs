using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;
using Proxy.Runtime;
using Proxy.Telemetry;

namespace Proxy.Hosting;

internal static class HostingServiceCollectionExtensions
{
    public static IServiceCollection AddProxyHosting(this IServiceCollection services)
    {
        services.AddOptions<EndpointsOptions>().BindSection(EndpointsOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<EndpointsOptions>, EndpointsOptionsValidator>();
        services.AddOptions<TrustedProxiesOptions>().BindConfiguration(TrustedProxiesOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TrustedProxiesOptions>, TrustedProxiesOptionsValidator>();
        services.AddSingleton<IConfigureOptions<ForwardedHeadersOptions>, ForwardedHeadersSetup>();
        services.AddSingleton<BoundListeners>();
        services.AddSingleton<IConfigureOptions<KestrelServerOptions>, KestrelListenersSetup>();
        services.AddOptions<SocketTransportOptions>().Configure<IOptions<EndpointsOptions>>((sockets, options) =>
        {
            if (BuildTimeOptions.TryGet(options, out var endpoints))
            {
                sockets.UnsafePreferInlineScheduling = endpoints.InlineIo;
            }
        });
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ProxyInstance>();
        services.AddSingleton<ProxyReadiness>();
        services.AddObservedInstruments<ReadinessGauge>();
        services.AddHostedService<StartupReportService>();
        services.AddHostedService<InstanceRegistration>();
        services.AddHealthChecks().AddCheck<ReadinessHealthCheck>("ready", tags: [HealthEndpoints.ReadyTag]);

        // Request lines carry query strings, and a client may put a key there: they are never logged, whatever the
        // configured levels say (added last, so this rule wins over the configuration's).
        services.PostConfigure<LoggerFilterOptions>(o => o.Rules.Add(
            new LoggerFilterRule(null, "Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning, null)));
        return services;
    }

    public static IApplicationBuilder UseTrustedForwardedHeaders(this IApplicationBuilder app) =>
        app.UseMiddleware<TrustedForwardedHeadersMiddleware>();

    public static IApplicationBuilder UseListenerGuard(this IApplicationBuilder app) =>
        app.UseMiddleware<ListenerGuardMiddleware>();
}
