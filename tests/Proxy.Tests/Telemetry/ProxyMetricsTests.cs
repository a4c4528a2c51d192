using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Options;
using Proxy.Telemetry;
using Proxy.Tests.TestSupport;

namespace Proxy.Tests.Telemetry;

public sealed class ProxyMetricsTests
{
    [Fact]
    public void A_finalized_session_counts_once_with_its_billable_seconds_and_duration()
    {
        var factory = TestMetrics.NewMeterFactory();
        var metrics = TestMetrics.Create(factory);
        using var sessions = new MetricCollector<long>(factory, ProxyMetrics.MeterName, "dgproxy.sessions");
        using var billable = new MetricCollector<double>(factory, ProxyMetrics.MeterName, "dgproxy.billable");
        using var duration = new MetricCollector<double>(factory, ProxyMetrics.MeterName, "dgproxy.session.duration");

        metrics.SessionFinalized("client_closed", "acme", billableMs: 1000, durationMs: 400);
        metrics.SessionFinalized("client_closed", "acme", billableMs: 61_250, durationMs: 61_250);

        Assert.Equal(2, sessions.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.All(sessions.GetMeasurementSnapshot(), m => Assert.Equal("client_closed", m.Tags["close_reason"]));
        Assert.All(sessions.GetMeasurementSnapshot(), m => Assert.False(m.Tags.ContainsKey(CustomerLabel.Name)));
        Assert.Equal(62.25, billable.GetMeasurementSnapshot().Sum(m => m.Value), 9);
        Assert.Equal([0.4, 61.25], duration.GetMeasurementSnapshot().Select(m => m.Value));
    }

    [Fact]
    public void Only_allow_listed_customers_appear_as_labels()
    {
        var factory = TestMetrics.NewMeterFactory();
        var metrics = TestMetrics.Create(factory, "acme");
        using var sessions = new MetricCollector<long>(factory, ProxyMetrics.MeterName, "dgproxy.sessions");

        metrics.SessionFinalized("client_closed", "acme", 1000, 1000);
        metrics.SessionFinalized("client_closed", "globex", 1000, 1000);
        metrics.SessionFinalized("client_closed", "initech", 1000, 1000);

        Assert.Equal(["acme", "other", "other"], sessions.GetMeasurementSnapshot().Select(m => m.Tags[CustomerLabel.Name]));
    }

    [Fact]
    public void Failed_record_writes_exist_at_zero_from_the_start()
    {
        var factory = TestMetrics.NewMeterFactory();
        using var writes = new MetricCollector<long>(factory, ProxyMetrics.MeterName, "dgproxy.record.writes");

        TestMetrics.Create(factory);

        var failed = writes.GetMeasurementSnapshot();
        Assert.Equal(["open", "final"], failed.Select(m => m.Tags["record"]));
        Assert.All(failed, m => Assert.Equal(("failed", 0L), ((string)m.Tags["result"]!, m.Value)));
    }

    [Fact]
    public void The_billing_counters_exist_at_zero_from_the_start_for_every_label_value()
    {
        // An alert on their increase then sees the very first refusal, warning, indicator or unrated session.
        var factory = TestMetrics.NewMeterFactory();
        using var refusals = new MetricCollector<long>(factory, ProxyMetrics.MeterName, "dgproxy.budget.refusals");
        using var warnings = new MetricCollector<long>(factory, ProxyMetrics.MeterName, "dgproxy.budget.warnings");
        using var indicators = new MetricCollector<long>(factory, ProxyMetrics.MeterName, "dgproxy.indicators");
        using var unrated = new MetricCollector<long>(factory, ProxyMetrics.MeterName, "dgproxy.sessions.unrated");

        TestMetrics.Create(factory);

        Assert.Equal([("customer", 0L), ("key", 0L)], refusals.GetMeasurementSnapshot().Select(m => ((string)m.Tags["scope"]!, m.Value)));
        Assert.Equal([("customer", 0L), ("key", 0L)], warnings.GetMeasurementSnapshot().Select(m => ((string)m.Tags["scope"]!, m.Value)));
        Assert.Equal([("created", 0L), ("repeated", 0L), ("conflict", 0L)], indicators.GetMeasurementSnapshot().Select(m => ((string)m.Tags["result"]!, m.Value)));
        Assert.Equal(0L, Assert.Single(unrated.GetMeasurementSnapshot()).Value);
    }

    [Theory]
    [InlineData("missing_key", false, "auth")]
    [InlineData("key_expired", false, "auth")]
    [InlineData("customer_disabled", false, "auth")]
    [InlineData("too_many_auth_failures", false, "rate_limited")]
    [InlineData("instance_full", false, "concurrency")]
    [InlineData("concurrency_limit", false, "concurrency")]
    [InlineData("not_ready", true, "draining")]
    [InlineData("not_ready", false, "storage")]
    [InlineData("invalid_websocket_key", false, "bad_request")]
    [InlineData("budget_exhausted", false, "budget")]
    [InlineData("upstream_key_missing", false, "upstream")]
    [InlineData("upstream_rate_limited", false, "upstream_rate_limited")]
    [InlineData("origin_not_allowed", false, "origin")]
    [InlineData("upstream_concurrency_limit", false, "concurrency")]
    public void Every_refusal_maps_to_a_bounded_reason(string error, bool stopping, string reason) =>
        Assert.Equal(reason, AdmissionRejections.ReasonFor(error, stopping));

    [Fact]
    public void The_customer_label_allow_list_is_capped_and_keeps_the_catch_all_value_free()
    {
        var validator = new MetricsOptionsValidator();

        Assert.True(validator.Validate(null, new MetricsOptions { CustomerLabels = ["acme", "globex"] }).Succeeded);
        var tooMany = validator.Validate(null, new MetricsOptions { CustomerLabels = [.. Enumerable.Range(0, 51).Select(i => $"c{i}")] });
        Assert.Contains("at most 50", tooMany.FailureMessage, StringComparison.Ordinal);
        var other = validator.Validate(null, new MetricsOptions { CustomerLabels = ["other"] });
        Assert.Contains("'other' is not a customer id", other.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_label_value_of_the_customer_label_is_known_in_advance()
    {
        var label = new CustomerLabel(Options.Create(new MetricsOptions { CustomerLabels = ["acme"] }));

        Assert.True(label.IsEnabled);
        Assert.Equal(["acme", "other"], label.Values);
        Assert.False(new CustomerLabel(Options.Create(new MetricsOptions())).IsEnabled);
    }

    [Fact]
    public void Reconciliation_runs_count_by_result_and_the_gauges_show_the_last_finished_run()
    {
        var factory = TestMetrics.NewMeterFactory();
        var metrics = TestMetrics.Create(factory);
        using var runs = new MetricCollector<long>(factory, ProxyMetrics.MeterName, "dgproxy.reconciliation.runs");
        using var missing = new MetricCollector<long>(factory, ProxyMetrics.MeterName, "dgproxy.reconciliation.missing");
        using var drift = new MetricCollector<long>(factory, ProxyMetrics.MeterName, "dgproxy.reconciliation.drift.ms");

        missing.RecordObservableInstruments();
        Assert.Empty(missing.GetMeasurementSnapshot());

        metrics.ReconciliationCompleted(ProxyMetrics.ReconciliationTriggerOnDemand, missingInRecords: 0, missingAtDeepgram: 0, driftTotalMs: 0, driftMaxMs: 0);
        metrics.ReconciliationCompleted(ProxyMetrics.ReconciliationTriggerScheduled, missingInRecords: 2, missingAtDeepgram: 1, driftTotalMs: 40, driftMaxMs: 30);
        metrics.ReconciliationFailed(ProxyMetrics.ReconciliationTriggerScheduled);

        var counted = runs.GetMeasurementSnapshot().Where(m => m.Value > 0).Select(m => $"{m.Tags["result"]}/{m.Tags["trigger"]}").ToList();
        Assert.Equal(["ok/on_demand", "mismatch/scheduled", "failed/scheduled"], counted);
        missing.RecordObservableInstruments();
        drift.RecordObservableInstruments();
        Assert.Equal(["records=2", "deepgram=1"], missing.GetMeasurementSnapshot().Select(m => $"{m.Tags["side"]}={m.Value}"));
        Assert.Equal(["total=40", "max=30"], drift.GetMeasurementSnapshot().Select(m => $"{m.Tags["stat"]}={m.Value}"));
    }
}
