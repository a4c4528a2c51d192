using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Proxy.Runtime;

namespace Proxy.Telemetry;

internal static class TelemetryServiceCollectionExtensions
{
    public const string MetricsPath = "/metrics";

    // The framework's own meters (.NET 8+): requests and connections of Kestrel, and the runtime's GC, thread pool
    // and CPU – no instrumentation packages needed.
    private static readonly string[] FrameworkMeters =
    [
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "System.Runtime",
    ];

    public static IServiceCollection AddProxyTelemetry(this IServiceCollection services)
    {
        services.AddOptions<MetricsOptions>().BindSection(MetricsOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MetricsOptions>, MetricsOptionsValidator>();
        services.AddSingleton<CustomerLabel>();
        services.AddSingleton<ProxyMetrics>();
        services.AddSingleton<ProxyStateMetrics>();
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("dgproxy", autoGenerateServiceInstanceId: false))
            .WithMetrics(metrics => metrics
                .AddMeter(ProxyMetrics.MeterName)
                .AddMeter(FrameworkMeters)
                .AddPrometheusExporter(exporter =>
                {
                    // Every scrape sees the counters as they are: a cached answer would hide a session that just ended.
                    exporter.ScrapeResponseCacheDurationMilliseconds = 0;
                }));
        return services;
    }

    /// <summary>Prometheus' scrape endpoint, on the admin listener only.</summary>
    public static IEndpointRouteBuilder MapProxyMetrics(this IEndpointRouteBuilder app)
    {
        // The observable instruments exist once this is built; nothing else asks for it.
        _ = app.ServiceProvider.GetRequiredService<ProxyStateMetrics>();
        app.MapPrometheusScrapingEndpoint(MetricsPath).WithMetadata(ListenerScope.Admin);
        return app;
    }
}
