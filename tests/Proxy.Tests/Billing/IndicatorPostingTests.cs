using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Proxy.Billing;
using Proxy.Metering;
using Proxy.Storage;
using Proxy.Telemetry;
using Proxy.Tests.Storage;
using Proxy.Tests.TestSupport;

namespace Proxy.Tests.Billing;

/// <summary>The fee an indicator posted on a final record is charged, and the cost counter it moves; against a real
/// redis-server, through the real writer, rater and indicator script.</summary>
public sealed class IndicatorPostingTests : IClassFixture<SessionRecordStoreTests.Redis>
{
    private const string Customer = "acme";
    private const string Plan = "outcomes";
    private const string Reached = "0193a1b2-c3d4-7e5f-8a9b-000000000101";
    private const string NeverReached = "0193a1b2-c3d4-7e5f-8a9b-000000000102";

    private readonly SessionRecordStoreTests.Redis _redis;

    public IndicatorPostingTests(SessionRecordStoreTests.Redis redis) => _redis = redis;

    [Fact]
    public async Task A_fee_posted_on_a_final_record_is_counted_as_cost_and_a_session_that_never_reached_deepgram_is_charged_none()
    {
        var connection = _redis.Server.Connection!;
        var keys = new RedisKeys($"posting{Guid.NewGuid():N}:");
        var options = Options.Create(new StorageOptions());
        var index = new SessionIndexStore(connection, keys, options);
        var records = new SessionRecordStore(connection, keys, index, TestRecordsStream.Appender(connection, keys), options);
        var plans = new PlanStore(connection, keys);
        var catalog = new PlanCatalog(plans, NullLogger<PlanCatalog>.Instance);
        var meters = TestMetrics.NewMeterFactory();
        var metrics = TestMetrics.Create(meters);
        using var spool = new RecordSpool(options, NullLogger<RecordSpool>.Instance, new MemorySpoolFileSystem());
        var finals = new FinalRecordCommitter(records, new RecordRater(catalog, NullLogger<RecordRater>.Instance), NullLogger<FinalRecordCommitter>.Instance);
        var writer = new RecordWriter(records, finals, spool, new ReplicaAcknowledgement(connection, options, TimeProvider.System, NullLogger<ReplicaAcknowledgement>.Instance), keys, connection, metrics, TimeProvider.System, NullLogger<RecordWriter>.Instance);
        var posting = new IndicatorPosting(new IndicatorStore(connection, keys, index, TestRecordsStream.Appender(connection, keys), NullLogger<IndicatorStore>.Instance), plans, catalog, metrics);

        var created = (await plans.PutAsync(new PlanVersion
        {
            PlanId = Plan,
            Version = 0,
            CreatedAtMs = 0,
            Currency = "EUR",
            PerMinuteMicros = 60_000,
            Indicators = new Dictionary<string, IndicatorPrice> { ["lead_qualified"] = new(250_000) },
        })).Created!;

        // In force before the sessions opened (the put stamps it with Redis's clock, today).
        await connection.GetDatabase().HashSetAsync(keys.PlanVersions(Plan), $"{created.Version}:created_at_ms", 0);

        var reached = TestSessionRecords.UpstreamOpen(Reached, Customer) with { PlanId = Plan };
        await writer.WriteOpenAsync(reached);
        await writer.FinalizeAsync(TestSessionRecords.Closed(reached, 60_000, estimated: false));
        var neverReached = TestSessionRecords.Minimal(NeverReached, Customer) with { PlanId = Plan };
        await writer.WriteOpenAsync(neverReached);
        await writer.FinalizeAsync(neverReached with
        {
            ClientClosedAtMs = neverReached.ClientOpenedAtMs + 5,
            CloseReason = CloseReasons.UpstreamError,
            Status = SessionStatus.Closed,
        });

        using var cost = new MetricCollector<long>(meters, ProxyMetrics.MeterName, "dgproxy.cost.micros");
        var onReached = await posting.PostAsync(Reached, "lead_qualified", 1m);
        var onNeverReached = await posting.PostAsync(NeverReached, "lead_qualified", 1m);

        Assert.Equal((IndicatorPostStatus.Created, 250_000L), (onReached.Status, onReached.Indicator?.FeeMicros));
        Assert.Equal((IndicatorPostStatus.Created, 0L), (onNeverReached.Status, onNeverReached.Indicator?.FeeMicros));
        var stored = await records.GetManyAsync(Customer, [Reached, NeverReached]);
        Assert.Equal([60_000 + 250_000L, 0L], stored.Select(r => r.CostMicros ?? -1));
        var counted = Assert.Single(cost.GetMeasurementSnapshot());
        Assert.Equal((250_000L, "EUR"), (counted.Value, counted.Tags["currency"]));
    }
}
