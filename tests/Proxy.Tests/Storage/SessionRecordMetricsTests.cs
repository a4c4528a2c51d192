using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Proxy.Metering;
using Proxy.Storage;
using Proxy.Telemetry;
using Proxy.Tests.TestSupport;

namespace Proxy.Tests.Storage;

public sealed class SessionRecordMetricsTests
{
    [Fact]
    public void A_final_record_counts_with_its_close_reason_customer_billable_seconds_and_duration()
    {
        var factory = TestMetrics.NewMeterFactory();
        var metrics = TestMetrics.Create(factory, "acme");
        using var sessions = new MetricCollector<long>(factory, ProxyMetrics.MeterName, "dgproxy.sessions");
        using var billable = new MetricCollector<double>(factory, ProxyMetrics.MeterName, "dgproxy.billable");
        using var duration = new MetricCollector<double>(factory, ProxyMetrics.MeterName, "dgproxy.session.duration");

        metrics.SessionFinalized(Record("acme", CloseReasons.IdleTimeout, durationMs: 1_500, billableMs: 1_500));

        var session = Assert.Single(sessions.GetMeasurementSnapshot());
        Assert.Equal((1L, "idle_timeout", "acme"), (session.Value, session.Tags["close_reason"], session.Tags[CustomerLabel.Name]));
        Assert.Equal(1.5, Assert.Single(billable.GetMeasurementSnapshot()).Value, 9);
        Assert.Equal(1.5, Assert.Single(duration.GetMeasurementSnapshot()).Value, 9);
    }

    [Fact]
    public void A_record_without_reason_billable_or_duration_counts_as_unknown_and_zero_seconds()
    {
        var factory = TestMetrics.NewMeterFactory();
        var metrics = TestMetrics.Create(factory);
        using var sessions = new MetricCollector<long>(factory, ProxyMetrics.MeterName, "dgproxy.sessions");
        using var billable = new MetricCollector<double>(factory, ProxyMetrics.MeterName, "dgproxy.billable");
        using var duration = new MetricCollector<double>(factory, ProxyMetrics.MeterName, "dgproxy.session.duration");

        metrics.SessionFinalized(Record("globex", closeReason: null, durationMs: null, billableMs: null));

        Assert.Equal("unknown", Assert.Single(sessions.GetMeasurementSnapshot()).Tags["close_reason"]);
        Assert.Equal(0, Assert.Single(billable.GetMeasurementSnapshot()).Value);
        Assert.Empty(duration.GetMeasurementSnapshot());
    }

    [Fact]
    public void A_correction_moves_the_billable_seconds_of_the_records_customer()
    {
        var factory = TestMetrics.NewMeterFactory();
        var metrics = TestMetrics.Create(factory, "acme");
        using var billable = new MetricCollector<double>(factory, ProxyMetrics.MeterName, "dgproxy.billable");

        metrics.Corrected(Record("acme", CloseReasons.ClientClosed, 4_000, 4_000), new FinalizeResult(FinalizeOutcome.ReplacedEstimate, 2_500));

        var correction = Assert.Single(billable.GetMeasurementSnapshot());
        Assert.Equal((2.5, "acme"), (correction.Value, correction.Tags[CustomerLabel.Name]));
    }

    [Fact]
    public void A_rated_record_adds_its_cost_by_currency_and_a_correction_only_an_increase()
    {
        var factory = TestMetrics.NewMeterFactory();
        var metrics = TestMetrics.Create(factory);
        using var cost = new MetricCollector<long>(factory, ProxyMetrics.MeterName, "dgproxy.cost.micros");
        var rated = Record("acme", CloseReasons.ClientClosed, 300_000, 300_000) with { Currency = "USD", CostMicros = 750_000 };

        metrics.SessionFinalized(rated);
        metrics.Corrected(rated, new FinalizeResult(FinalizeOutcome.ReplacedEstimate, 1_000, 250_000));
        metrics.Corrected(rated, new FinalizeResult(FinalizeOutcome.ReplacedEstimate, -1_000, -250_000));
        metrics.SessionFinalized(Record("acme", CloseReasons.ClientClosed, 300_000, 300_000));

        Assert.Equal([(750_000L, "USD"), (250_000L, "USD")], cost.GetMeasurementSnapshot().Select(m => (m.Value, (string)m.Tags["currency"]!)));
    }

    [Fact]
    public void A_final_record_with_a_plan_but_no_cost_counts_as_unrated_and_a_rated_or_planless_one_does_not()
    {
        var factory = TestMetrics.NewMeterFactory();
        var metrics = TestMetrics.Create(factory);
        using var unrated = new MetricCollector<long>(factory, ProxyMetrics.MeterName, "dgproxy.sessions.unrated");
        var planned = Record("acme", CloseReasons.ClientClosed, 60_000, 60_000) with { PlanId = "voice" };

        metrics.SessionFinalized(planned);
        metrics.SessionFinalized(planned with { Currency = "USD", CostMicros = 0 });
        metrics.SessionFinalized(Record("acme", CloseReasons.ClientClosed, 60_000, 60_000));
        metrics.SessionFinalized(Record("acme", CloseReasons.ClientClosed, 60_000, 60_000) with { PlanId = "" });

        Assert.Equal(1, unrated.GetMeasurementSnapshot().EvaluateAsCounter());
    }

    [Fact]
    public void Spool_operations_map_to_the_record_label()
    {
        Assert.Equal(RecordWriteKinds.Open, SessionRecordMetrics.KindOf(SpoolEntry.Open));
        Assert.Equal(RecordWriteKinds.Final, SessionRecordMetrics.KindOf(SpoolEntry.Final));
    }

    private static SessionRecord Record(string customerId, string? closeReason, long? durationMs, long? billableMs) => new()
    {
        SessionId = Guid.NewGuid().ToString(),
        CustomerId = customerId,
        KeyId = "key_1",
        InstanceId = "test",
        ClientOpenedAtMs = 1,
        DurationMs = durationMs,
        BillableMs = billableMs,
        CloseReason = closeReason,
        Status = SessionStatus.Closed,
    };
}
