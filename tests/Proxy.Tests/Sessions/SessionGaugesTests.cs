using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Proxy.Sessions;
using Proxy.Telemetry;
using Proxy.Tests.TestSupport;
using Proxy.Tunnel;

namespace Proxy.Tests.Sessions;

public sealed class SessionGaugesTests
{
    [Fact]
    public void Live_sessions_count_per_allow_listed_customer_with_every_label_value_present()
    {
        var factory = TestMetrics.NewMeterFactory();
        var registry = new SessionRegistry();
        using var acme1 = NewSession("acme");
        using var acme2 = NewSession("acme");
        using var globex = NewSession("globex");
        registry.Add(acme1);
        registry.Add(acme2);
        registry.Add(globex);
        _ = NewGauges(factory, registry, customerLabels: ["acme", "initech"]);
        using var active = new MetricCollector<long>(factory, ProxyMetrics.MeterName, "dgproxy.sessions.active");

        active.RecordObservableInstruments();

        var counts = active.GetMeasurementSnapshot().ToDictionary(m => (string)m.Tags[CustomerLabel.Name]!, m => m.Value);
        Assert.Equal(new Dictionary<string, long> { ["acme"] = 2, ["initech"] = 0, ["other"] = 1 }, counts);
    }

    [Fact]
    public void Without_customer_labels_one_unlabelled_count_and_the_configured_limit()
    {
        var factory = TestMetrics.NewMeterFactory();
        var registry = new SessionRegistry();
        using var session = NewSession("acme");
        registry.Add(session);
        _ = NewGauges(factory, registry, customerLabels: [], maxPerInstance: 250);
        using var active = new MetricCollector<long>(factory, ProxyMetrics.MeterName, "dgproxy.sessions.active");
        using var limit = new MetricCollector<long>(factory, ProxyMetrics.MeterName, "dgproxy.sessions.limit");

        active.RecordObservableInstruments();
        limit.RecordObservableInstruments();

        var count = Assert.Single(active.GetMeasurementSnapshot());
        Assert.Equal(1, count.Value);
        Assert.Empty(count.Tags);
        Assert.Equal(250, Assert.Single(limit.GetMeasurementSnapshot()).Value);
    }

    [Fact]
    public void Traffic_is_the_registrys_totals_by_direction_and_kind()
    {
        var factory = TestMetrics.NewMeterFactory();
        var registry = new SessionRegistry();
        using var session = NewSession("acme");
        registry.Add(session);
        session.Inbound.OnFrame(WebSocketOpcode.Binary, WebSocketOpcode.Binary, true, 640);
        session.Inbound.AddBytes(646);
        session.Outbound.OnFrame(WebSocketOpcode.Text, WebSocketOpcode.Text, true, 20);
        session.Outbound.OnFrame(WebSocketOpcode.Close, WebSocketOpcode.Close, true, 2);
        session.Outbound.AddBytes(26);
        _ = NewGauges(factory, registry, customerLabels: []);
        using var frames = new MetricCollector<long>(factory, ProxyMetrics.MeterName, "dgproxy.frames");
        using var bytes = new MetricCollector<long>(factory, ProxyMetrics.MeterName, "dgproxy.bytes");

        frames.RecordObservableInstruments();
        bytes.RecordObservableInstruments();

        var framesBy = frames.GetMeasurementSnapshot().ToDictionary(m => ((string)m.Tags["direction"]!, (string)m.Tags["kind"]!), m => m.Value);
        Assert.Equal(1, framesBy[("in", "binary")]);
        Assert.Equal(0, framesBy[("in", "text")]);
        Assert.Equal(1, framesBy[("out", "text")]);
        Assert.Equal(1, framesBy[("out", "control")]);
        Assert.Equal(6, framesBy.Count);
        var bytesBy = bytes.GetMeasurementSnapshot().ToDictionary(m => (string)m.Tags["direction"]!, m => m.Value);
        Assert.Equal(new Dictionary<string, long> { ["in"] = 646, ["out"] = 26 }, bytesBy);
    }

    private static SessionGauges NewGauges(System.Diagnostics.Metrics.IMeterFactory factory, SessionRegistry registry, string[] customerLabels, int maxPerInstance = 0) =>
        new(factory, registry, new CustomerLabel(Options.Create(new MetricsOptions { CustomerLabels = customerLabels })),
            new SessionPolicyResolver(new TestOptionsMonitor<SessionControlOptions>(new SessionControlOptions { MaxConcurrentSessionsPerInstance = maxPerInstance })));

    private static AgentSession NewSession(string customerId) =>
        new(SessionFrames.Identity with { SessionId = Guid.NewGuid().ToString(), CustomerId = customerId }, new FakeTimeProvider(SessionFrames.Start), 1024, new SessionPolicy());
}
