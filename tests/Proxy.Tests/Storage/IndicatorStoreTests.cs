using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Proxy.Metering;
using Proxy.Storage;
using Proxy.Tests.TestSupport;
using StackExchange.Redis;

namespace Proxy.Tests.Storage;

/// <summary>The indicator Lua against a real redis-server: what posting an outcome does to the final record, the day
/// and month usage and the records stream.</summary>
public sealed class IndicatorStoreTests : IClassFixture<SessionRecordStoreTests.Redis>
{
    private const string Customer = "acme";
    private const string SessionId = "0193a1b2-c3d4-7e5f-8a9b-000000000001";
    private static readonly DateOnly Day = new(2026, 11, 26);

    private readonly SessionRecordStoreTests.Redis _redis;
    private readonly RedisKeys _keys = new($"t{Guid.NewGuid():N}:");
    private readonly SessionRecordStore _records;
    private readonly IndicatorStore _indicators;

    public IndicatorStoreTests(SessionRecordStoreTests.Redis redis)
    {
        _redis = redis;
        var connection = redis.Server.Connection!;
        var options = Options.Create(new StorageOptions());
        var index = new SessionIndexStore(connection, _keys, options);
        _records = new SessionRecordStore(connection, _keys, index, TestRecordsStream.Appender(connection, _keys), options);
        _indicators = new IndicatorStore(connection, _keys, index, TestRecordsStream.Appender(connection, _keys), NullLogger<IndicatorStore>.Instance);
    }

    private IDatabase Db => _redis.Server.Database;

    [Fact]
    public async Task The_first_post_adds_the_fee_once_to_the_record_the_day_and_the_month_and_a_repeat_changes_nothing()
    {
        await FinalizeAsync(Rated(Final(120_000, estimated: false)));
        var before = await RawAsync(_keys.Usage(Customer, Day));

        var created = await _indicators.PostAsync(Customer, SessionId, "lead_qualified", 1m, _ => Task.FromResult(200_000L));
        Assert.Equal(IndicatorPostStatus.Created, created.Status);
        Assert.Equal(2, created.RecordVersion);

        var record = await RecordAsync();
        Assert.Equal(1_400_000, record.CostMicros);
        Assert.Equal(200_000, record.CostParts!.IndicatorFees["lead_qualified"]);
        Assert.Equal(1_000_000, record.CostParts.Surcharges["think:gpt-5"]);
        Assert.Equal(2, record.RecordVersion);
        var indicator = Assert.Single(record.Indicators!);
        Assert.Equal(("lead_qualified", 1m, 200_000L), (indicator.Key, indicator.Value.Value, indicator.Value.FeeMicros));
        Assert.InRange(indicator.Value.AtMs, await Db.ServerNowMsAsync() - 60_000, await Db.ServerNowMsAsync());

        var day = await RawAsync(_keys.Usage(Customer, Day));
        var expected = new Dictionary<string, string>(before)
        {
            ["cost_micros"] = "1400000",
            ["key:key_1:cost_micros"] = "1400000",
            ["model:listen:nova-3:cost_micros"] = "1400000",
            ["model:think:gpt-5:cost_micros"] = "1400000",
            ["indicator:lead_qualified:count"] = "1",
            ["indicator:lead_qualified:fee_micros"] = "200000",
        };
        Assert.Equal(expected.OrderBy(e => e.Key), day.OrderBy(e => e.Key));
        Assert.Equal(expected.OrderBy(e => e.Key), (await RawAsync(_keys.UsageMonth(Customer, Day))).OrderBy(e => e.Key));

        // The new version is on the billing feed, and nothing is owed any more.
        Assert.Equal([("1", "1200000"), ("2", "1400000")], await StreamedAsync());
        Assert.Equal(0, await Db.SortedSetLengthAsync(_keys.UnstreamedRecords(Customer)));

        // Same name and value (1.0 is 1): nothing changes, whatever fee a plan would give now.
        var repeated = await _indicators.PostAsync(Customer, SessionId, "lead_qualified", 1.0m, _ => Task.FromResult(999L));
        Assert.Equal(IndicatorPostStatus.Repeated, repeated.Status);
        Assert.Equal(200_000, repeated.Indicator!.FeeMicros);
        Assert.Equal(day, await RawAsync(_keys.Usage(Customer, Day)));
        Assert.Equal(2, (await RecordAsync()).RecordVersion);
        Assert.Equal(2, (await StreamedAsync()).Count);
    }

    [Fact]
    public async Task Another_value_for_the_same_name_is_a_conflict_that_changes_nothing()
    {
        await FinalizeAsync(Rated(Final(120_000, estimated: false)));
        await _indicators.PostAsync(Customer, SessionId, "lead_qualified", 1m, _ => Task.FromResult(200_000L));
        var day = await RawAsync(_keys.Usage(Customer, Day));

        var conflict = await _indicators.PostAsync(Customer, SessionId, "lead_qualified", 2m, _ => Task.FromResult(200_000L));
        Assert.Equal(IndicatorPostStatus.Conflict, conflict.Status);
        Assert.Equal(1m, conflict.Indicator!.Value);
        Assert.Equal(day, await RawAsync(_keys.Usage(Customer, Day)));
        Assert.Equal(1_400_000, (await RecordAsync()).CostMicros);
    }

    [Fact]
    public async Task An_unpriced_indicator_is_recorded_and_counted_at_no_cost_and_a_second_name_adds_its_own_fee()
    {
        await FinalizeAsync(Rated(Final(120_000, estimated: false)));
        Assert.Equal(IndicatorPostStatus.Created, (await _indicators.PostAsync(Customer, SessionId, "csat", 4.5m, _ => Task.FromResult(0L))).Status);
        Assert.Equal(IndicatorPostStatus.Created, (await _indicators.PostAsync(Customer, SessionId, "booked", 1m, _ => Task.FromResult(300_000L))).Status);

        var record = await RecordAsync();
        Assert.Equal(1_500_000, record.CostMicros);
        Assert.Equal(3, record.RecordVersion);
        Assert.Equal(["booked", "csat"], record.Indicators!.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(4.5m, record.Indicators["csat"].Value);
        Assert.False(record.CostParts!.IndicatorFees.ContainsKey("csat"));
        var day = await RawAsync(_keys.Usage(Customer, Day));
        Assert.Equal(("1", "1", "300000", "1500000"), (day["indicator:csat:count"], day["indicator:booked:count"], day["indicator:booked:fee_micros"], day["cost_micros"]));
        Assert.False(day.ContainsKey("indicator:csat:fee_micros"));
    }

    [Fact]
    public async Task On_an_open_session_the_indicator_is_stored_on_the_open_record_only_and_an_unknown_or_another_customers_is_not_found()
    {
        await _records.WriteOpenAsync(Open());

        var created = await _indicators.PostAsync(Customer, SessionId, "lead_qualified", 1m, _ => Task.FromResult(200_000L));
        Assert.Equal((IndicatorPostStatus.Created, (long?)null, 200_000L), (created.Status, created.RecordVersion, created.Indicator!.FeeMicros));
        Assert.Equal(IndicatorPostStatus.Created, (await _indicators.PostAsync(Customer, SessionId, "csat", 4.5m, _ => Task.FromResult(0L))).Status);

        // Idempotent as on a final record.
        var repeated = await _indicators.PostAsync(Customer, SessionId, "lead_qualified", 1.0m, _ => Task.FromResult(999L));
        Assert.Equal((IndicatorPostStatus.Repeated, 200_000L, created.Indicator.AtMs), (repeated.Status, repeated.Indicator!.FeeMicros, repeated.Indicator.AtMs));
        Assert.Equal(IndicatorPostStatus.Conflict, (await _indicators.PostAsync(Customer, SessionId, "lead_qualified", 2m, _ => Task.FromResult(1L))).Status);

        // The session is counted and its indicators priced when its final record is written: nothing before.
        var record = await RecordAsync();
        Assert.Equal((SessionStatus.Open, (long?)null, (long?)null), (record.Status, record.RecordVersion, record.CostMicros));
        Assert.Equal([("csat", 4.5m), ("lead_qualified", 1m)], record.Indicators!.OrderBy(i => i.Key, StringComparer.Ordinal).Select(i => (i.Key, i.Value.Value)));
        Assert.Empty(await RawAsync(_keys.Usage(Customer, Day)));
        Assert.Empty(await StreamedAsync());

        Assert.Equal(IndicatorPostStatus.NotFound, (await _indicators.PostAsync(Customer, "0193a1b2-c3d4-7e5f-8a9b-0000000000ff", "x", 1m, _ => Task.FromResult(1L))).Status);
        Assert.Equal(IndicatorPostStatus.NotFound, (await _indicators.PostAsync("globex", SessionId, "x", 1m, _ => Task.FromResult(1L))).Status);
    }

    [Fact]
    public async Task A_session_finalized_between_the_read_and_the_write_gets_the_indicator_on_its_final_record()
    {
        await _records.WriteOpenAsync(Open());

        // The fee lookup runs between the read (open) and the script: the final record lands there the first time.
        var calls = 0;
        var result = await _indicators.PostAsync(Customer, SessionId, "lead_qualified", 1m, async _ =>
        {
            if (++calls == 1)
            {
                await _records.FinalizeAsync(Rated(Final(120_000, estimated: false)));
            }

            return 200_000L;
        });

        Assert.Equal((IndicatorPostStatus.Created, 2L, 2), (result.Status, result.RecordVersion!.Value, calls));
        var record = await RecordAsync();
        Assert.Equal((1_400_000L, 1m), (record.CostMicros!.Value, record.Indicators!["lead_qualified"].Value));
        Assert.Equal("1400000", (await RawAsync(_keys.Usage(Customer, Day)))["cost_micros"]);
    }

    [Fact]
    public async Task A_record_changed_between_the_read_and_the_write_is_read_again_and_priced_once()
    {
        await FinalizeAsync(Rated(Final(120_000, estimated: false)));

        // The fee lookup runs between the read and the script: another post lands there the first time.
        var calls = 0;
        var result = await _indicators.PostAsync(Customer, SessionId, "a", 1m, async _ =>
        {
            if (++calls == 1)
            {
                Assert.Equal(IndicatorPostStatus.Created, (await _indicators.PostAsync(Customer, SessionId, "b", 1m, _ => Task.FromResult(10L))).Status);
            }

            return 100L;
        });

        Assert.Equal(IndicatorPostStatus.Created, result.Status);
        Assert.Equal(2, calls);
        var record = await RecordAsync();
        Assert.Equal((3L, 1_200_110L), (record.RecordVersion!.Value, record.CostMicros!.Value));
        Assert.Equal("1200110", (await RawAsync(_keys.Usage(Customer, Day)))["cost_micros"]);
    }

    [Fact]
    public async Task The_customers_latest_session_with_a_client_session_id_is_found()
    {
        const string Older = "0193a1b2-c3d4-7e5f-8a9b-000000000010";
        const string Newer = "0193a1b2-c3d4-7e5f-8a9b-000000000011";
        await _records.WriteOpenAsync(Open() with { SessionId = Older, ClientSessionId = "call-1", ClientOpenedAtMs = 1_795_689_000_000 });
        await _records.WriteOpenAsync(Open() with { SessionId = Newer, ClientSessionId = "call-1", ClientOpenedAtMs = 1_795_689_005_000 });
        await _records.WriteOpenAsync(Open() with { ClientSessionId = "call-2" });

        Assert.Equal(Newer, await _indicators.FindLatestByClientSessionAsync(Customer, "call-1"));
        Assert.Null(await _indicators.FindLatestByClientSessionAsync(Customer, "call-3"));
        Assert.Null(await _indicators.FindLatestByClientSessionAsync("globex", "call-1"));
    }

    [Fact]
    public async Task A_measured_final_without_the_indicators_posted_on_the_estimate_is_refused_and_told_them()
    {
        await FinalizeAsync(Rated(Final(60_000, estimated: true)));
        await _indicators.PostAsync(Customer, SessionId, "lead_qualified", 1m, _ => Task.FromResult(200_000L));
        var estimate = await RecordAsync();
        var day = await RawAsync(_keys.Usage(Customer, Day));

        // Replacing the estimate would drop a billed indicator: nothing is written, the writer is given the stored
        // indicators to rate the measurement with (FinalRecordCommitterTests: what it then writes).
        var refused = await _records.FinalizeAsync(Rated(Final(120_000, estimated: false)));
        Assert.Equal(FinalizeOutcome.IndicatorsMissing, refused.Outcome);
        Assert.Equal(estimate.Indicators!["lead_qualified"], Assert.Single(refused.StoredIndicators!).Value);
        Assert.Equal((2L, 60_000L), ((await RecordAsync()).RecordVersion!.Value, (await RecordAsync()).DurationMs!.Value));
        Assert.Equal(day, await RawAsync(_keys.Usage(Customer, Day)));

        // Rated with it, it replaces the estimate, and usage moves by the difference only.
        var withIndicator = Rated(Final(120_000, estimated: false)) with { Indicators = estimate.Indicators };
        Assert.Equal(FinalizeOutcome.ReplacedEstimate, (await _records.FinalizeAsync(withIndicator)).Outcome);
        day = await RawAsync(_keys.Usage(Customer, Day));
        Assert.Equal(("1", "1", "1200000"), (day["sessions"], day["indicator:lead_qualified:count"], day["cost_micros"]));
        Assert.Equal(3, (await RecordAsync()).RecordVersion);
    }

    [Fact]
    public async Task A_stream_append_that_failed_after_the_post_is_owed_and_appended_by_the_reaper()
    {
        await FinalizeAsync(Rated(Final(120_000, estimated: false)));

        // A connection that may do everything but XADD: the post commits, the append fails (logged, not thrown:
        // the indicator is stored and the session is owed to the stream).
        var user = $"noxadd{Guid.NewGuid():N}";
        await Db.ExecuteAsync("ACL", "SETUSER", user, "on", ">secret-for-test", "~*", "&*", "+@all", "-xadd");
        await using var limited = await ConnectionMultiplexer.ConnectAsync($"{_redis.Server.Configuration},user={user},password=secret-for-test");
        var failing = new IndicatorStore(limited, _keys, new SessionIndexStore(limited, _keys, Options.Create(new StorageOptions())), TestRecordsStream.Appender(limited, _keys), NullLogger<IndicatorStore>.Instance);

        Assert.Equal(IndicatorPostStatus.Created, (await failing.PostAsync(Customer, SessionId, "lead_qualified", 1m, _ => Task.FromResult(200_000L))).Status);
        Assert.Equal([("1", "1200000")], await StreamedAsync());
        Assert.Equal(1, await Db.SortedSetLengthAsync(_keys.UnstreamedRecords(Customer)));

        Assert.Equal(1, await _records.AppendOwedAsync(Customer, TimeSpan.Zero));
        Assert.Equal([("1", "1200000"), ("2", "1400000")], await StreamedAsync());
        Assert.Equal(0, await Db.SortedSetLengthAsync(_keys.UnstreamedRecords(Customer)));
    }

    private async Task FinalizeAsync(SessionRecord final)
    {
        await _records.WriteOpenAsync(Open());
        await _records.FinalizeAsync(final);
    }

    private async Task<SessionRecord> RecordAsync() => (await _records.GetManyAsync(Customer, [SessionId]))[0];

    private static SessionRecord Rated(SessionRecord record) => TestSessionRecords.Rated(record);

    private static SessionRecord Open() => TestSessionRecords.UpstreamOpen(SessionId, Customer);

    private static SessionRecord Final(long durationMs, bool estimated) => TestSessionRecords.Closed(Open(), durationMs, estimated);

    private Task<Dictionary<string, string>> RawAsync(RedisKey key) => Db.HashTextAsync(key);

    private async Task<List<(string Version, string Cost)>> StreamedAsync() =>
        [.. (await Db.StreamRangeAsync(_keys.Records)).Select(e => ((string)e["record_version"]!, (string)e["cost_micros"]!))];
}
