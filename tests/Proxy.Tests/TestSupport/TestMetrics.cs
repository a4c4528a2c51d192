using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Proxy.Telemetry;

namespace Proxy.Tests.TestSupport;

/// <summary>The proxy's instruments on a meter factory of their own, so parallel tests never see each other's
/// measurements.</summary>
internal static class TestMetrics
{
    public static IMeterFactory NewMeterFactory() =>
        new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();

    public static ProxyMetrics Create(IMeterFactory? factory = null, params string[] customerLabels) =>
        new(factory ?? NewMeterFactory(), new CustomerLabel(Options.Create(new MetricsOptions { CustomerLabels = customerLabels })));
}
