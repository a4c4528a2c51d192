using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Proxy.Billing;
using Proxy.Metering;
using Proxy.Storage;
using Proxy.Tests.TestSupport;
using StackExchange.Redis;

namespace Proxy.Tests.Storage;

/// <summary>Final records through the committer against a real redis-server, rated by the real rater: what an
/// outcome indicator posted before the final record arrives does to it.</summary>
public sealed class FinalRecordCommitterTests : IClassFixture<SessionRecordStoreTests.Redis>
{
    private const string Customer = "acme";
    private const string SessionId = "0193a1b2-c3d4-7e5f-8a9b-000000000001";
    private const long OpenedAtMs = 1_795_689_000_010;
    private static readonly DateOnly Day = new(2026, 11, 26);

    /// <summary>$0.15 a minute and $0.20 per qualified lead.</summary>
    private static readonly PlanVersion Voice = new()
    {
        PlanId = "voice",
        Version = 1,
        CreatedAtMs = OpenedAtMs - 60_000,
        Currency = "USD",
        PerMinuteMicros = 150_000,
        Indicators = new Dictionary<string, IndicatorPrice>(StringComparer.Ordinal) { ["lead_qualified"] = new(200_000) },
    };

    private readonly SessionRecordStoreTests.Redis _redis;
    private readonly RedisKeys _keys = new($"t{Guid.NewGuid():N}:");
    private readonly SessionRecordStore _records;
    private readonly IndicatorStore _indicators;
    private readonly FinalRecordCommitter _committer;
    private readonly RecordRater _committerRater = new(new Plans(Voice), NullLogger<RecordRater>.Instance);

    public FinalRecordCommitterTests(SessionRecordStoreTests.Redis redis)
    {
        _redis = redis;
        var connection = redis.Server.Connection!;
        var options = Options.Create(new StorageOptions());
        var index = new SessionIndexStore(connection, _keys, options);
        _records = new SessionRecordStore(connection, _keys, index, TestRecordsStream.Appender(connection, _keys), options);
        _indicators = new IndicatorStore(connection, _keys, index, TestRecordsStream.Appender(connection, _keys), NullLogger<IndicatorStore>.Instance);
        _committer = new FinalRecordCommitter(_records, _committerRater, NullLogger<FinalRecordCommitter>.Instance);
    }

    private IDatabase Db => _redis.Server.Database;

    [Fact]
    public async Task A_measurement_replacing_an_estimate_keeps_the_indicators_posted_on_the_estimate_and_usage_moves_by_the_difference()
    {
        await _records.WriteOpenAsync(Open());
        Assert.Equal(FinalizeOutcome.Finalized, (await _committer.CommitAsync(Final(60_000, estimated: true))).Result.Outcome);
        Assert.Equal(IndicatorPostStatus.Created, (await _indicators.PostAsync(Customer, SessionId, "lead_qualified", 1m, _ => Task.FromResult(200_000L))).Status);
        var posted = (await RecordAsync()).Indicators!["lead_qualified"];

        var (written, _) = await _committer.CommitAsync(Final(120_000, estimated: false));

        // The measurement: 2 minutes at $0.15 plus the lead, the indicator as posted (value and instant kept).
        var record = await RecordAsync();
        Assert.Equal(FinalizeOutcome.ReplacedEstimate, written.Outcome);
        Assert.Equal(posted, record.Indicators?.GetValueOrDefault("lead_qualified"));
        Assert.Equal((500_000L, 200_000L, 3L), (record.CostMicros!.Value, record.CostParts!.IndicatorFees.GetValueOrDefault("lead_qualified"), record.RecordVersion!.Value));

        // Usage moved by the difference only: the estimate with its indicator was 350000, the measurement is 500000.
        Assert.Equal(150_000, written.CostCorrectionMicros);
        foreach (var usage in new[] { await RawAsync(_keys.Usage(Customer, Day)), await RawAsync(_keys.UsageMonth(Customer, Day)) })
        {
            Assert.Equal(
                ("1", "500000", "500000", "1", "200000"),
                (usage["sessions"], usage["cost_micros"], usage["key:key_1:cost_micros"], usage.GetValueOrDefault("indicator:lead_qualified:count"), usage.GetValueOrDefault("indicator:lead_qualified:fee_micros")));
        }
    }

    [Fact]
    public async Task A_final_record_takes_the_indicators_posted_during_the_call_is_rated_with_them_and_releases_the_lease()
    {
        var posted = new IndicatorOutcome(1m, 200_000, OpenedAtMs + 5_000);
        await _records.WriteOpenAsync(Open() with { Indicators = Indicators(("lead_qualified", posted), ("csat", new IndicatorOutcome(4.5m, 0, OpenedAtMs + 6_000))) });

        var (written, final) = await _committer.CommitAsync(Final(120_000, estimated: false));

        Assert.Equal(FinalizeOutcome.Finalized, written.Outcome);
        var record = await RecordAsync();
        Assert.Equal((posted, 4.5m), (record.Indicators!["lead_qualified"], record.Indicators["csat"].Value));
        Assert.Equal((500_000L, 200_000L, 1L), (record.CostMicros!.Value, record.CostParts!.IndicatorFees["lead_qualified"], record.RecordVersion!.Value));
        Assert.Equal(record.CostMicros, final.CostMicros);
        var day = await RawAsync(_keys.Usage(Customer, Day));
        Assert.Equal(("500000", "1", "200000", "1"), (day["cost_micros"], day["indicator:lead_qualified:count"], day["indicator:lead_qualified:fee_micros"], day["indicator:csat:count"]));
        Assert.False(day.ContainsKey("indicator:csat:fee_micros"));
        Assert.Null(await Db.SortedSetScoreAsync(_keys.Leases(Customer), SessionId));
    }

    [Fact]
    public async Task An_indicator_stored_between_the_rating_and_the_write_is_merged_and_the_record_rated_again()
    {
        await _records.WriteOpenAsync(Open());
        var posted = new IndicatorOutcome(1m, 200_000, OpenedAtMs + 5_000);

        // The post lands on the open record while the first rating runs: the finalize script refuses the record and
        // hands the indicator back, the second rating prices it.
        var rater = new PostingRater(_committerRater, async calls =>
        {
            if (calls == 1)
            {
                await Db.HashSetAsync(_keys.Session(Customer, SessionId), "indicators", $$$"""{"lead_qualified":{"value":1,"fee_micros":200000,"at_ms":{{{posted.AtMs}}}}}""");
            }
        });
        var committer = new FinalRecordCommitter(_records, rater, NullLogger<FinalRecordCommitter>.Instance);

        var (written, _) = await committer.CommitAsync(Final(120_000, estimated: false));

        Assert.Equal((FinalizeOutcome.Finalized, 2), (written.Outcome, rater.Calls));
        var record = await RecordAsync();
        Assert.Equal((posted, 500_000L), (record.Indicators!["lead_qualified"], record.CostMicros!.Value));
        Assert.Equal("500000", (await RawAsync(_keys.UsageMonth(Customer, Day)))["cost_micros"]);
    }

    [Fact]
    public async Task A_spooled_final_rated_before_the_outage_is_rated_again_with_the_indicators_posted_meanwhile()
    {
        await _records.WriteOpenAsync(Open());
        var spooled = await _committerRater.RateAsync(Final(120_000, estimated: false));
        Assert.Equal(300_000, spooled.CostMicros);

        // Posted while the final record waited in the spool (the call was over, its record still open in Redis).
        Assert.Equal(IndicatorPostStatus.Created, (await _indicators.PostAsync(Customer, SessionId, "lead_qualified", 1m, _ => Task.FromResult(200_000L))).Status);
        var (written, final) = await _committer.CommitAsync(spooled);

        Assert.Equal((FinalizeOutcome.Finalized, 500_000L), (written.Outcome, final.CostMicros!.Value));
        var record = await RecordAsync();
        Assert.Equal((500_000L, 1m, 1L), (record.CostMicros!.Value, record.Indicators!["lead_qualified"].Value, record.RecordVersion!.Value));
        Assert.Equal(("500000", "1"), ((await RawAsync(_keys.Usage(Customer, Day)))["cost_micros"], (await RawAsync(_keys.Usage(Customer, Day)))["indicator:lead_qualified:count"]));
    }

    [Fact]
    public async Task A_replayed_final_without_the_indicators_of_a_final_record_changes_nothing()
    {
        await _records.WriteOpenAsync(Open());
        await _committer.CommitAsync(Final(120_000, estimated: false));
        await _indicators.PostAsync(Customer, SessionId, "lead_qualified", 1m, _ => Task.FromResult(200_000L));
        var usage = await RawAsync(_keys.Usage(Customer, Day));

        // A spooled copy of the same measurement, and a late estimate: the record is final, they are not counted.
        Assert.Equal(FinalizeOutcome.AlreadyFinal, (await _committer.CommitAsync(Final(120_000, estimated: false))).Result.Outcome);
        Assert.Equal(FinalizeOutcome.AlreadyFinal, (await _committer.CommitAsync(Final(60_000, estimated: true))).Result.Outcome);
        Assert.Equal(usage, await RawAsync(_keys.Usage(Customer, Day)));
        Assert.Equal((2L, 500_000L), ((await RecordAsync()).RecordVersion!.Value, (await RecordAsync()).CostMicros!.Value));
    }

    [Fact]
    public async Task A_record_that_meets_new_indicators_at_every_attempt_is_left_to_the_spool_and_the_session_keeps_its_lease()
    {
        await _records.WriteOpenAsync(Open());
        var rater = new PostingRater(_committerRater, calls => Db.HashSetAsync(
            _keys.Session(Customer, SessionId), "indicators", "{\"n" + calls.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\":{\"value\":1,\"fee_micros\":0,\"at_ms\":1}}"));
        var committer = new FinalRecordCommitter(_records, rater, NullLogger<FinalRecordCommitter>.Instance);

        await Assert.ThrowsAsync<StorageUnavailableException>(() => committer.CommitAsync(Final(120_000, estimated: false)));

        Assert.Equal(FinalRecordCommitter.MaxAttempts, rater.Calls);
        Assert.Equal(SessionStatus.Open, (await RecordAsync()).Status);
        Assert.NotNull(await Db.SortedSetScoreAsync(_keys.Leases(Customer), SessionId));
        Assert.Empty(await RawAsync(_keys.Usage(Customer, Day)));
    }

    private static Dictionary<string, IndicatorOutcome> Indicators(params (string Name, IndicatorOutcome Indicator)[] indicators) =>
        indicators.ToDictionary(i => i.Name, i => i.Indicator, StringComparer.Ordinal);

    private async Task<SessionRecord> RecordAsync() => (await _records.GetManyAsync(Customer, [SessionId]))[0];

    private static SessionRecord Open() =>
        TestSessionRecords.Minimal(SessionId, Customer, clientOpenedAtMs: OpenedAtMs - 10) with { KeyId = "key_1", PlanId = "voice", UpstreamOpenedAtMs = OpenedAtMs };

    private static SessionRecord Final(long durationMs, bool estimated) => Open() with
    {
        UpstreamClosedAtMs = OpenedAtMs + durationMs,
        ClientClosedAtMs = OpenedAtMs + 2 + durationMs,
        DurationMs = durationMs,
        BillableMs = BillingRules.BillableMs(durationMs),
        CloseReason = estimated ? CloseReasons.Orphaned : CloseReasons.ClientClosed,
        Status = SessionStatus.Closed,
        Estimated = estimated,
    };

    private async Task<Dictionary<string, string>> RawAsync(RedisKey key) =>
        (await Db.HashGetAllAsync(key)).ToDictionary(e => (string)e.Name!, e => (string)e.Value!);

    /// <summary>The real rater, with something happening in Redis while it runs (as a concurrent post would).</summary>
    private sealed class PostingRater(IFinalRecordRater rater, Func<int, Task> during) : IFinalRecordRater
    {
        public int Calls { get; private set; }

        public async ValueTask<SessionRecord> RateAsync(SessionRecord record)
        {
            await during(++Calls);
            return await rater.RateAsync(record);
        }
    }

    private sealed class Plans(params PlanVersion[] versions) : IPlanVersions
    {
        public Task<PlanVersion?> InForceAsync(string planId, long atMs) =>
            Task.FromResult(versions.Where(v => v.PlanId == planId && v.CreatedAtMs <= atMs).MaxBy(v => v.Version));
    }
}
