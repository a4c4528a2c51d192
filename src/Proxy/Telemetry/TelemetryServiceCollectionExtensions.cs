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

    /// <summary>A feature's scrape-time instruments: one instance, built with the metrics endpoint.</summary>
    public static IServiceCollection AddObservedInstruments<T>(this IServiceCollection services)
        where T : class, IObservedInstruments
    {
        services.AddSingleton<IObservedInstruments, T>();
        return services;
    }

    /// <summary>Prometheus' scrape endpoint, on the admin listener only.</summary>
    public static IEndpointRouteBuilder MapProxyMetrics(this IEndpointRouteBuilder app)
    {
        // The observable instruments exist once these are built; nothing else asks for them.
        _ = app.ServiceProvider.GetServices<IObservedInstruments>().ToList();
        app.MapPrometheusScrapingEndpoint(MetricsPath).WithMetadata(ListenerScope.Admin);
        return app;
    }
}
