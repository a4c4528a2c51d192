using System.Diagnostics.Metrics;
using Proxy.Runtime;
using Proxy.Telemetry;

namespace Proxy.Hosting;

/// <summary><c>dgproxy_ready</c>: what <c>/readyz</c> answers, read at scrape time.</summary>
internal sealed class ReadinessGauge : IObservedInstruments
{
    public ReadinessGauge(IMeterFactory meterFactory, ProxyReadiness readiness)
    {
        var meter = meterFactory.Create(ProxyMetrics.MeterName);
        meter.CreateObservableGauge("dgproxy.ready", () => readiness.IsReady ? 1 : 0, description: "1 while this instance admits new sessions (not draining, storage usable).");
    }
}
