using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Proxy.Hosting;

internal static class HostingServiceCollectionExtensions
{
    public static IServiceCollection AddProxyHosting(this IServiceCollection services)
    {
        services.AddOptions<EndpointsOptions>().BindConfiguration(EndpointsOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<EndpointsOptions>, EndpointsOptionsValidator>();
        services.AddSingleton<BoundListeners>();
        services.AddSingleton<IConfigureOptions<KestrelServerOptions>, KestrelListenersSetup>();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ProxyInstance>();
        services.AddSingleton<ProxyReadiness>();
        services.AddHostedService<StartupReportService>();
        services.AddHealthChecks().AddCheck<ReadinessHealthCheck>("ready", tags: [HealthEndpoints.ReadyTag]);
        return services;
    }

    public static IApplicationBuilder UseListenerGuard(this IApplicationBuilder app) =>
        app.UseMiddleware<ListenerGuardMiddleware>();
}
