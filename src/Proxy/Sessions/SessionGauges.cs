using System.Diagnostics.Metrics;
using Proxy.Telemetry;

namespace Proxy.Sessions;

/// <summary>
/// Live sessions, this instance's session limit and the traffic forwarded, read at scrape time. Traffic comes from the
/// sessions' own per-direction counters, so the copy loops pay nothing for metrics.
/// </summary>
internal sealed class SessionGauges : IObservedInstruments
{
    private static readonly KeyValuePair<string, object?> In = new("direction", "in");
    private static readonly KeyValuePair<string, object?> Out = new("direction", "out");
    private static readonly KeyValuePair<string, object?> Binary = new("kind", "binary");
    private static readonly KeyValuePair<string, object?> Text = new("kind", "text");
    private static readonly KeyValuePair<string, object?> Control = new("kind", "control");

    private readonly SessionRegistry _registry;
    private readonly CustomerLabel _customer;

    public SessionGauges(IMeterFactory meterFactory, SessionRegistry registry, CustomerLabel customer, SessionPolicyResolver policies)
    {
        _registry = registry;
        _customer = customer;
        var meter = meterFactory.Create(ProxyMetrics.MeterName);
        meter.CreateObservableGauge("dgproxy.sessions.active", ObserveActiveSessions, description: "Live sessions on this instance.");
        meter.CreateObservableGauge("dgproxy.sessions.limit", () => (long)policies.Options.MaxConcurrentSessionsPerInstance,
            description: "This instance's maximum of concurrent sessions (Sessions:MaxConcurrentSessionsPerInstance; 0 = none).");
        meter.CreateObservableCounter("dgproxy.frames", ObserveFrames, description: "WebSocket frames forwarded, by direction (in: client to agent) and kind (binary, text, control).");
        meter.CreateObservableCounter("dgproxy.bytes", ObserveBytes, description: "Bytes forwarded on the WebSocket, frame headers included, by direction.");
    }

    private IEnumerable<Measurement<long>> ObserveActiveSessions()
    {
        if (!_customer.IsEnabled)
        {
            return [new Measurement<long>(_registry.Count)];
        }

        // Every label value every time, zeros included, so a customer's series does not vanish between sessions.
        var counts = _customer.Values.ToDictionary(v => v, _ => 0L, StringComparer.Ordinal);
        foreach (var session in _registry.Snapshot())
        {
            counts[_customer.ValueFor(session.Identity.CustomerId)]++;
        }

        return counts.Select(c => new Measurement<long>(c.Value, new KeyValuePair<string, object?>(CustomerLabel.Name, c.Key)));
    }

    private IEnumerable<Measurement<long>> ObserveFrames()
    {
        var totals = _registry.TrafficTotals();
        return
        [
            new(totals.InBinaryFrames, In, Binary),
            new(totals.InTextFrames, In, Text),
            new(totals.InControlFrames, In, Control),
            new(totals.OutBinaryFrames, Out, Binary),
            new(totals.OutTextFrames, Out, Text),
            new(totals.OutControlFrames, Out, Control),
        ];
    }

    private IEnumerable<Measurement<long>> ObserveBytes()
    {
        var totals = _registry.TrafficTotals();
        return [new(totals.InBytes, In), new(totals.OutBytes, Out)];
    }
}
