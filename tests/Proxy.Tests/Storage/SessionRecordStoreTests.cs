using Microsoft.Extensions.Options;
using Proxy.Metering;
using Proxy.Storage;
using Proxy.Tests.TestSupport;
using StackExchange.Redis;

namespace Proxy.Tests.Storage;

/// <summary>The record store's Lua against a real redis-server: what a final record does to what Redis holds.</summary>
public sealed class SessionRecordStoreTests : IClassFixture<SessionRecordStoreTests.Redis>, IAsyncLifetime
{
    private const string Customer = "acme";
    private static readonly TimeSpan LeaseTtl = TimeSpan.FromSeconds(30);

    private readonly Redis _redis;
    private readonly RedisKeys _keys = new($"t{Guid.NewGuid():N}:");
    private readonly SessionRecordStore _store;

    public SessionRecordStoreTests(Redis redis)
    {
        _redis = redis;
        _store = StoreFor(redis.Server.Connection!);
    }

    private IDatabase Db => _redis.Server.Database;

    [Fact]
    public async Task A_measured_final_replaces_the_reapers_estimate_and_corrects_usage_by_the_difference()
    {
        await _store.WriteOpenAsync(Open());
        Assert.Equal(FinalizeOutcome.Finalized, (await _store.FinalizeAsync(Final(durationMs: 2_000, estimated: true))).Outcome);
        Assert.Equal(new FinalizeResult(FinalizeOutcome.ReplacedEstimate, 7_345 - 2_000), await _store.FinalizeAsync(Final(durationMs: 7_345, estimated: false)));

        var record = (await _store.GetManyAsync(Customer, [SessionId]))[0];
        Assert.False(record.Estimated);
        Assert.Equal(7_345, record.DurationMs);
        Assert.Equal(2, record.RecordVersion);
        Assert.Equal("client_closed", record.CloseReason);
        Assert.NotNull(await Db.KeyTimeToLiveAsync(_keys.Session(Customer, SessionId)));
        var usage = await UsageAsync();
        Assert.Equal(1, usage["sessions"]);
        Assert.Equal(7_345, usage["duration_ms"]);
        Assert.Equal(7_345, usage["billable_ms"]);

        // Both versions are on the billing feed, in order, each with its version.
        var streamed = await StreamedAsync();
        Assert.Equal([("1", "true", "2000"), ("2", "false", "7345")], streamed);
        Assert.Equal(0, await Db.SortedSetLengthAsync(_keys.UnstreamedRecords(Customer)));
    }

    [Fact]
    public async Task A_second_measured_final_and_a_late_estimate_change_nothing()
    {
        await _store.WriteOpenAsync(Open());
        Assert.Equal(FinalizeOutcome.Finalized, (await _store.FinalizeAsync(Final(durationMs: 4_000, estimated: false))).Outcome);
        Assert.Equal(FinalizeOutcome.AlreadyFinal, (await _store.FinalizeAsync(Final(durationMs: 9_000, estimated: false))).Outcome);
        Assert.Equal(FinalizeOutcome.AlreadyFinal, (await _store.FinalizeAsync(Final(durationMs: 1_000, estimated: true))).Outcome);

        var record = (await _store.GetManyAsync(Customer, [SessionId]))[0];
        Assert.Equal(4_000, record.DurationMs);
        Assert.Equal(1, record.RecordVersion);
        Assert.Equal(4_000, (await UsageAsync())["duration_ms"]);
        Assert.Single(await StreamedAsync());
    }

    [Fact]
    public async Task An_estimate_replaced_once_is_not_replaced_again()
    {
        await _store.WriteOpenAsync(Open());
        await _store.FinalizeAsync(Final(durationMs: 1_000, estimated: true));
        await _store.FinalizeAsync(Final(durationMs: 3_000, estimated: false));
        Assert.Equal(FinalizeOutcome.AlreadyFinal, (await _store.FinalizeAsync(Final(durationMs: 5_000, estimated: false))).Outcome);
        Assert.Equal(3_000, (await UsageAsync())["duration_ms"]);
        Assert.Equal(2, (await StreamedAsync()).Count);
    }

    [Fact]
    public async Task An_open_record_without_a_lease_takes_one_from_redis_time_and_a_held_lease_is_kept()
    {
        // Bounded by Redis's clock read just before and just after: no assumption about how long the calls take.
        var before = await Db.ServerNowMsAsync();
        Assert.True(await _store.WriteOpenAsync(Open()));
        var expiry = (long)(await Db.SortedSetScoreAsync(_keys.Leases(Customer), SessionId))!.Value;
        var ttl = (long)LeaseTtl.TotalMilliseconds;
        Assert.InRange(expiry, before + ttl, await Db.ServerNowMsAsync() + ttl);

        // Admission's lease is the one that counts: a second open write (a replay) neither rewrites nor extends it.
        await Db.SortedSetAddAsync(_keys.Leases(Customer), SessionId, 42);
        Assert.False(await _store.WriteOpenAsync(Open()));
        Assert.Equal(42, await Db.SortedSetScoreAsync(_keys.Leases(Customer), SessionId));

        const string Admitted = "0193a1b2-c3d4-7e5f-8a9b-000000000002";
        await Db.SortedSetAddAsync(_keys.Leases(Customer), Admitted, 43);
        Assert.True(await _store.WriteOpenAsync(Open() with { SessionId = Admitted }));
        Assert.Equal(43, await Db.SortedSetScoreAsync(_keys.Leases(Customer), Admitted));
    }

    [Fact]
    public async Task A_stream_append_that_failed_after_the_finalize_is_owed_and_appended_later()
    {
        // A connection that may do everything but XADD: the finalize commits, the append fails, as when Redis (or
        // the writer) goes away between the two.
        var user = $"noxadd{Guid.NewGuid():N}";
        await Db.ExecuteAsync("ACL", "SETUSER", user, "on", ">secret-for-test", "~*", "&*", "+@all", "-xadd");
        await using var limited = await ConnectionMultiplexer.ConnectAsync($"{_redis.Server.Configuration},user={user},password=secret-for-test");
        var failing = StoreFor(limited);

        await failing.WriteOpenAsync(Open());
        await Assert.ThrowsAsync<RedisServerException>(() => failing.FinalizeAsync(Final(durationMs: 4_000, estimated: false)));
        Assert.Empty(await StreamedAsync());
        Assert.Equal(1, await Db.SortedSetLengthAsync(_keys.UnstreamedRecords(Customer)));

        // Not yet owed long enough: a writer may still be at it.
        Assert.Equal(0, await _store.AppendOwedAsync(Customer, TimeSpan.FromMinutes(1)));
        Assert.Equal(1, await _store.AppendOwedAsync(Customer, TimeSpan.Zero));
        Assert.Equal([("1", "false", "4000")], await StreamedAsync());
        Assert.Equal(0, await Db.SortedSetLengthAsync(_keys.UnstreamedRecords(Customer)));
        Assert.Equal(0, await _store.AppendOwedAsync(Customer, TimeSpan.Zero));

        // A replay of the same final finds nothing owed any more.
        Assert.Equal(FinalizeOutcome.AlreadyFinal, (await _store.FinalizeAsync(Final(durationMs: 4_000, estimated: false))).Outcome);
        Assert.Single(await StreamedAsync());
    }

    [Fact]
    public async Task A_replayed_final_re_appends_an_entry_still_owed_instead_of_losing_it()
    {
        await _store.WriteOpenAsync(Open());
        await _store.FinalizeAsync(Final(durationMs: 4_000, estimated: false));
        await Db.HashSetAsync(_keys.Session(Customer, SessionId), "streamed", "0");

        Assert.Equal(FinalizeOutcome.AlreadyFinal, (await _store.FinalizeAsync(Final(durationMs: 4_000, estimated: false))).Outcome);
        Assert.Equal(2, (await StreamedAsync()).Count);
        Assert.Equal("1", (string?)await Db.HashGetAsync(_keys.Session(Customer, SessionId), "streamed"));
    }

    [Fact]
    public async Task A_heartbeat_older_than_the_one_stored_does_not_move_last_seen_back()
    {
        await _store.WriteOpenAsync(Open());
        await _store.HeartbeatAsync(Customer, [new SessionHeartbeat(SessionId, 5_000, 4_000, 10, 9, 100, 90, null)]);
        await _store.HeartbeatAsync(Customer, [new SessionHeartbeat(SessionId, 3_000, 3_000, 5, 4, 50, 40, "request-1")]);

        var record = (await _store.GetManyAsync(Customer, [SessionId]))[0];
        Assert.Equal(5_000, record.LastSeenMs);
        Assert.Equal(10, record.FramesIn);
        Assert.Equal("request-1", record.DeepgramRequestId);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_rated_final_adds_its_totals_per_day_key_model_plan_version_and_indicator_with_its_currency()
    {
        await _store.WriteOpenAsync(Open());
        await _store.FinalizeAsync(Rated(Final(durationMs: 120_000, estimated: false)));

        var usage = await RawUsageAsync();
        Assert.Equal("USD", usage["currency"]);
        Assert.Equal(("1", "120000", "1200000"), (usage["sessions"], usage["rated_ms"], usage["cost_micros"]));
        Assert.Equal(("1", "120000", "1200000"), (usage["key:key_1:sessions"], usage["key:key_1:rated_ms"], usage["key:key_1:cost_micros"]));
        Assert.Equal(("1", "1000000"), (usage["model:think:gpt-5:sessions"], usage["model:think:gpt-5:surcharge_micros"]));
        Assert.Equal(("1", "1200000"), (usage["model:listen:nova-3:sessions"], usage["model:listen:nova-3:cost_micros"]));
        Assert.False(usage.ContainsKey("model:listen:nova-3:surcharge_micros"));
        Assert.Equal(("1", "120000", "150000", "50000"), (usage["plan:voice:3:sessions"], usage["plan:voice:3:rated_ms"], usage["plan:voice:3:base_micros"], usage["plan:voice:3:per_session_micros"]));
        Assert.Equal(("1", "0"), (usage["indicator:lead_qualified:count"], usage.GetValueOrDefault("indicator:lead_qualified:fee_micros", "0")));

        // The month's hash holds the same, and replaying the same final adds nothing to either.
        Assert.Equal(usage.OrderBy(e => e.Key), (await RawMonthUsageAsync()).OrderBy(e => e.Key));
        await _store.FinalizeAsync(Rated(Final(durationMs: 120_000, estimated: false)));
        Assert.Equal(usage, await RawUsageAsync());
        Assert.Equal(usage.OrderBy(e => e.Key), (await RawMonthUsageAsync()).OrderBy(e => e.Key));
    }

    [Fact]
    public async Task A_measured_final_replacing_an_estimate_takes_every_field_of_the_estimate_back_out()
    {
        await _store.WriteOpenAsync(Open());
        await _store.FinalizeAsync(Rated(Final(durationMs: 60_000, estimated: true)) with { CostMicros = 600_000, RatedMs = 60_000 });
        await _store.FinalizeAsync(Rated(Final(durationMs: 120_000, estimated: false)));

        var once = await RawUsageAsync();

        // The same usage as if only the measurement had ever been finalized, field for field (no field left at 0
        // that the measurement alone would not have).
        var alone = new SessionRecordStoreTests(_redis);
        await alone._store.WriteOpenAsync(Open());
        await alone._store.FinalizeAsync(Rated(Final(durationMs: 120_000, estimated: false)));
        var expected = await alone.RawUsageAsync();
        Assert.Equal(expected.Where(e => e.Value != "0").OrderBy(e => e.Key), once.Where(e => e.Value != "0").OrderBy(e => e.Key));
        Assert.Equal(expected.Where(e => e.Value != "0").OrderBy(e => e.Key), (await RawMonthUsageAsync()).Where(e => e.Value != "0").OrderBy(e => e.Key));
        Assert.Equal(2, (await _store.GetManyAsync(Customer, [SessionId]))[0].RecordVersion);
    }

    [Fact]
    public async Task An_estimate_finalized_before_usage_increments_were_kept_is_still_replaced_exactly()
    {
        await _store.WriteOpenAsync(Open());
        await _store.FinalizeAsync(Final(durationMs: 2_000, estimated: true));

        // As the previous finalize script left it: the day's three totals, no increments on the record.
        await Db.HashDeleteAsync(_keys.Session(Customer, SessionId), "usage_increments");
        await _store.FinalizeAsync(Rated(Final(durationMs: 120_000, estimated: false)));

        var usage = await RawUsageAsync();
        Assert.Equal(("1", "120000", "120000", "1200000"), (usage["sessions"], usage["duration_ms"], usage["billable_ms"], usage["cost_micros"]));

        // Written before the month hash existed: the estimate is not taken out of it (it was never there).
        await Db.KeyDeleteAsync(_keys.UsageMonth(Customer, new DateOnly(2026, 11, 26)));
        await _store.WriteOpenAsync(Open() with { SessionId = "0193a1b2-c3d4-7e5f-8a9b-000000000002" });
        await _store.FinalizeAsync(Final(durationMs: 2_000, estimated: true) with { SessionId = "0193a1b2-c3d4-7e5f-8a9b-000000000002" });
        await Db.HashDeleteAsync(_keys.Session(Customer, "0193a1b2-c3d4-7e5f-8a9b-000000000002"), "usage_increments");
        await Db.KeyDeleteAsync(_keys.UsageMonth(Customer, new DateOnly(2026, 11, 26)));
        await _store.FinalizeAsync(Rated(Final(durationMs: 120_000, estimated: false)) with { SessionId = "0193a1b2-c3d4-7e5f-8a9b-000000000002" });
        var month = await RawMonthUsageAsync();
        Assert.Equal(("1", "120000", "1200000"), (month["sessions"], month["duration_ms"], month["cost_micros"]));
    }

    // Every indicator on the record is counted (an unpriced one at no fee), as a post on a final record counts it.
    private static SessionRecord Rated(SessionRecord record) =>
        TestSessionRecords.Rated(record, indicatorFees: new Dictionary<string, long> { ["lead_qualified"] = 0 }) with
        {
            Indicators = new Dictionary<string, IndicatorOutcome> { ["lead_qualified"] = new(1m, 0, 1_795_689_100_000) },
        };

    private Task<Dictionary<string, string>> RawMonthUsageAsync() => Db.HashTextAsync(_keys.UsageMonth(Customer, new DateOnly(2026, 11, 26)));

    private Task<Dictionary<string, string>> RawUsageAsync() => Db.HashTextAsync(_keys.Usage(Customer, new DateOnly(2026, 11, 26)));

    private const string SessionId = "0193a1b2-c3d4-7e5f-8a9b-000000000001";

    private static SessionRecord Open() => TestSessionRecords.UpstreamOpen(SessionId, Customer);

    private static SessionRecord Final(long durationMs, bool estimated) => TestSessionRecords.Closed(Open(), durationMs, estimated);

    private SessionRecordStore StoreFor(IConnectionMultiplexer connection)
    {
        var options = Options.Create(new StorageOptions { LeaseTtl = LeaseTtl });
        return new(connection, _keys, new SessionIndexStore(connection, _keys, options), TestRecordsStream.Appender(connection, _keys), options);
    }

    private async Task<Dictionary<string, long>> UsageAsync() =>
        (await Db.HashGetAllAsync(_keys.Usage(Customer, new DateOnly(2026, 11, 26)))).ToDictionary(e => (string)e.Name!, e => (long)e.Value);

    private async Task<List<(string Version, string Estimated, string Duration)>> StreamedAsync() =>
        [.. (await Db.StreamRangeAsync(_keys.Records)).Select(e => (
            (string)e["record_version"]!, (string)e["estimated"]!, (string)e["duration_ms"]!))];


    /// <summary>One redis-server for the class; each test has its own key prefix.</summary>
    public sealed class Redis : IAsyncLifetime
    {
        internal RedisServer Server { get; private set; } = null!;

        public async Task InitializeAsync() => Server = await RedisServer.StartAsync();

        public async Task DisposeAsync() => await Server.DisposeAsync();
    }
}
