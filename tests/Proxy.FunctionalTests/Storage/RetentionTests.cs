using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using Proxy.FunctionalTests.Infrastructure;
using StackExchange.Redis;

namespace Proxy.FunctionalTests.Storage;

/// <summary>
/// Redis does not grow forever: closed records expire after Storage:RecordRetention, the retention sweep trims the
/// session indexes (moving the former single index hash into day hashes) and the records stream, and a Redis that may
/// evict keys is reported. Tests that trim get their own Redis: a sweep with a short retention would otherwise clear
/// other tests' records.
/// </summary>
[Collection(GatewayTestGroup.Name)]
public sealed class RetentionTests
{
    private static readonly TimeSpan DefaultRetention = TimeSpan.FromDays(400);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly GatewayFixture _gateway;

    public RetentionTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task A_closed_record_expires_after_the_retention_and_stays_findable_by_id_until_then()
    {
        var proxy = _gateway.Proxy;
        var redis = _gateway.Redis.Database;
        var sessionId = await RunSessionAsync(proxy, "retention-ttl");

        var recordTtl = await redis.KeyTimeToLiveAsync($"dgp:{{retention-ttl}}:session:{sessionId}");
        Assert.NotNull(recordTtl);
        Assert.InRange(recordTtl.Value, DefaultRetention - TimeSpan.FromMinutes(1), DefaultRetention);

        // Its index entry is in the hash of the id's own UTC day, which outlives the record by a day.
        var dayKey = $"dgp:session-index:{DayOf(sessionId):yyyy-MM-dd}";
        Assert.Equal("retention-ttl", (string?)await redis.HashGetAsync(dayKey, sessionId));
        var indexTtl = await redis.KeyTimeToLiveAsync(dayKey);
        Assert.NotNull(indexTtl);
        Assert.InRange(indexTtl.Value, DefaultRetention + TimeSpan.FromDays(1) - TimeSpan.FromMinutes(1), DefaultRetention + TimeSpan.FromDays(1));
        Assert.False(await redis.HashExistsAsync("dgp:session-index", sessionId));

        var record = await proxy.GetSessionAsync(sessionId);
        Assert.Equal("closed", record.GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_sweep_removes_expired_records_from_the_index_and_keeps_the_usage()
    {
        const string Customer = "retention-sweep";
        await using var redis = await RedisServer.StartAsync();
        var db = redis.Database;

        // A record written before records expired: closed, no TTL, opened an hour ago (past the retention below).
        var old = DateTimeOffset.UtcNow.AddHours(-1);
        var oldId = Guid.CreateVersion7(old).ToString();
        await SeedLegacyRecordAsync(db, Customer, oldId, old);

        await using var proxy = await StartProxyAsync(redis, new()
        {
            ["Storage:RecordRetention"] = "00:00:04",
            ["Storage:RetentionSweepInterval"] = "00:00:01",
        });
        var sessionId = await RunSessionAsync(proxy, Customer);
        var record = await proxy.GetSessionAsync(sessionId);

        var ttl = await db.KeyTimeToLiveAsync($"dgp:{{{Customer}}}:session:{sessionId}");
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(4));
        var usageKey = $"dgp:{{{Customer}}}:usage:{UsageDay(record.GetProperty("upstream_opened_at_ms").GetInt64()):yyyy-MM-dd}";
        var billable = record.GetProperty("billable_ms").GetInt64();

        var sessions = $"dgp:{{{Customer}}}:sessions";
        var deadline = DateTime.UtcNow + Deadline;
        while (await db.SortedSetLengthAsync(sessions) > 0 || await db.KeyExistsAsync("dgp:session-index"))
        {
            Assert.True(DateTime.UtcNow < deadline,
                $"index still holds {await db.SortedSetLengthAsync(sessions)} sessions, old index exists: {await db.KeyExistsAsync("dgp:session-index")}");
            await Task.Delay(200);
        }

        Assert.False(await db.KeyExistsAsync($"dgp:{{{Customer}}}:session:{sessionId}"));
        Assert.False(await db.KeyExistsAsync($"dgp:{{{Customer}}}:session:{oldId}"));
        Assert.Equal(1, (long)await db.HashGetAsync(usageKey, "sessions"));
        Assert.Equal(billable, (long)await db.HashGetAsync(usageKey, "billable_ms"));
        using var gone = await proxy.Admin.GetAsync(new Uri($"/admin/v1/sessions/{sessionId}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task Entries_of_the_old_single_index_move_to_day_hashes_and_stay_findable()
    {
        const string Customer = "retention-migrate";
        await using var redis = await RedisServer.StartAsync();
        var db = redis.Database;
        var opened = DateTimeOffset.UtcNow.AddDays(-2);
        var keptId = Guid.CreateVersion7(opened).ToString();
        await SeedLegacyRecordAsync(db, Customer, keptId, opened);
        var goneId = Guid.CreateVersion7(opened).ToString();
        await db.HashSetAsync("dgp:session-index", goneId, Customer);

        await using var proxy = await StartProxyAsync(redis, new() { ["Storage:RetentionSweepInterval"] = "00:00:01" });
        Assert.Equal(keptId, (await proxy.GetSessionAsync(keptId)).GetProperty("session_id").GetString());

        var deadline = DateTime.UtcNow + Deadline;
        while (await db.KeyExistsAsync("dgp:session-index"))
        {
            Assert.True(DateTime.UtcNow < deadline, "the old session index was not drained");
            await Task.Delay(200);
        }

        var dayKey = $"dgp:session-index:{opened.UtcDateTime:yyyy-MM-dd}";
        Assert.Equal(Customer, (string?)await db.HashGetAsync(dayKey, keptId));
        Assert.False(await db.HashExistsAsync(dayKey, goneId));
        Assert.NotNull(await db.KeyTimeToLiveAsync(dayKey));
        Assert.Equal(keptId, (await proxy.GetSessionAsync(keptId)).GetProperty("session_id").GetString());
        Assert.True(await db.KeyExistsAsync($"dgp:{{{Customer}}}:session:{keptId}"), "a record within the retention was deleted");
    }

    [Fact]
    public async Task The_stream_is_trimmed_only_below_what_every_consumer_group_has_acknowledged()
    {
        await using var redis = await RedisServer.StartAsync();
        var db = redis.Database;
        var ids = await AddEntriesAsync(db, 10);
        await db.StreamCreateConsumerGroupAsync("dgp:records", "billing", "0");
        await db.StreamCreateConsumerGroupAsync("dgp:records", "audit", "0");
        await ReadAsync(db, "billing", count: 4, acknowledge: 4);

        // audit was delivered 6 entries but acknowledged 5: the 6th may still be claimed by another consumer.
        await ReadAsync(db, "audit", count: 6, acknowledge: 5);

        await using var proxy = await StartProxyAsync(redis, new() { ["Storage:RetentionSweepInterval"] = "00:00:01" });
        await WaitForLengthAsync(db, 6);
        Assert.Equal(ids[4], await FirstIdAsync(db));

        await ReadAsync(db, "billing", count: 3, acknowledge: 3);
        await WaitForLengthAsync(db, 5);
        Assert.Equal(ids[5], await FirstIdAsync(db));

        // Later passes trim nothing more: one entry added, and a pass that has seen it leaves the rest alone.
        await AddEntriesAsync(db, 1);
        var scrape = await proxy.ScrapeUntilAsync(s => s.Sum("dgproxy_records_stream_entries") == 6, Deadline);
        Assert.Equal(6, scrape.Sum("dgproxy_records_stream_entries"));
        Assert.Equal(6, await db.StreamLengthAsync("dgp:records"));
        Assert.Equal(ids[5], await FirstIdAsync(db));
        Assert.Equal(5, scrape.Sum("dgproxy_records_stream_trimmed_total", "reason=delivered"));
        Assert.Equal(0, scrape.Sum("dgproxy_records_stream_trimmed_unread_total"));
        Assert.True(scrape.Sum("dgproxy_records_stream_oldest_unread_age_seconds") > 0);
        Assert.Equal(1, scrape.Sum("dgproxy_redis_eviction_policy_ok"));
    }

    [Fact]
    public async Task The_cap_trims_unread_entries_and_counts_them()
    {
        await using var redis = await RedisServer.StartAsync();
        var db = redis.Database;
        var ids = await AddEntriesAsync(db, 10);
        await db.StreamCreateConsumerGroupAsync("dgp:records", "billing", "0");
        await ReadAsync(db, "billing", count: 2, acknowledge: 2);

        await using var proxy = await StartProxyAsync(redis, new()
        {
            ["Storage:RetentionSweepInterval"] = "00:00:01",
            ["Storage:StreamMaxLength"] = "5",
        });

        // 2 acknowledged entries go as delivered, then 3 that billing never read go to the cap.
        await WaitForLengthAsync(db, 5);
        Assert.Equal(ids[5], await FirstIdAsync(db));
        var scrape = await proxy.ScrapeUntilAsync(s => s.Sum("dgproxy_records_stream_trimmed_unread_total") >= 3, Deadline);
        Assert.Equal(3, scrape.Sum("dgproxy_records_stream_trimmed_unread_total"));
        Assert.Equal(3, scrape.Sum("dgproxy_records_stream_trimmed_total", "reason=cap"));
        Assert.Equal(2, scrape.Sum("dgproxy_records_stream_trimmed_total", "reason=delivered"));
        Assert.Equal(5, scrape.Sum("dgproxy_records_stream_limit_entries"));
        await proxy.Process.WaitForLineAsync("trimmed 3 entries that at least one of its 1 consumer groups had not been delivered", Deadline);
    }

    [Fact]
    public async Task Without_a_consumer_group_only_the_cap_trims_and_nothing_counts_as_unread()
    {
        await using var redis = await RedisServer.StartAsync();
        var db = redis.Database;
        var ids = await AddEntriesAsync(db, 10);

        await using var proxy = await StartProxyAsync(redis, new()
        {
            ["Storage:RetentionSweepInterval"] = "00:00:01",
            ["Storage:StreamMaxLength"] = "4",
        });

        await WaitForLengthAsync(db, 4);
        Assert.Equal(ids[6], await FirstIdAsync(db));
        var scrape = await proxy.ScrapeUntilAsync(s => s.Sum("dgproxy_records_stream_trimmed_total", "reason=cap") >= 6, Deadline);
        Assert.Equal(6, scrape.Sum("dgproxy_records_stream_trimmed_total", "reason=cap"));
        Assert.Equal(0, scrape.Sum("dgproxy_records_stream_trimmed_total", "reason=delivered"));
        Assert.Equal(0, scrape.Sum("dgproxy_records_stream_trimmed_unread_total"));
        Assert.Equal(0, scrape.Sum("dgproxy_records_stream_groups"));
        Assert.True(scrape.Sum("dgproxy_retention_sweeps_total", "result=ok") >= 1);
    }

    [Fact]
    public async Task A_redis_that_may_evict_keys_is_reported()
    {
        await using var redis = await RedisServer.StartAsync(durable: false, "--maxmemory-policy", "allkeys-lru");
        await using var proxy = await StartProxyAsync(redis, []);

        await proxy.Process.WaitForLineAsync("runs with maxmemory-policy allkeys-lru, not noeviction", Deadline);
        var scrape = await proxy.ScrapeUntilAsync(s => s.Has("dgproxy_redis_eviction_policy_ok"), Deadline);
        Assert.Equal(0, scrape.Sum("dgproxy_redis_eviction_policy_ok"));
    }

    private Task<ProxyServer> StartProxyAsync(RedisServer redis, Dictionary<string, string> settings) =>
        ProxyServer.StartAsync(redis.Configuration, _gateway.Emulator.WebSocketUrl, settings);

    private static async Task<string> RunSessionAsync(ProxyServer proxy, string customerId)
    {
        var (_, secret) = await proxy.IssueKeyAsync(customerId);
        var (client, requestId) = await AgentTestClient.StartSessionAsync(proxy.AgentUrl(), secret);
        await using (client)
        {
            await client.SendBinaryAsync(640);
            await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "done");
        }

        var record = await proxy.WaitForClosedRecordByRequestIdAsync(customerId, requestId);
        return record.GetProperty("session_id").GetString()!;
    }

    /// <summary>A closed record as the proxy wrote them before records expired: no TTL, in the single index hash.</summary>
    private static async Task SeedLegacyRecordAsync(IDatabase db, string customerId, string sessionId, DateTimeOffset opened)
    {
        var ms = opened.ToUnixTimeMilliseconds();
        await db.HashSetAsync($"dgp:{{{customerId}}}:session:{sessionId}",
        [
            new("session_id", sessionId), new("customer_id", customerId), new("status", "closed"),
            new("client_opened_at_ms", ms), new("upstream_opened_at_ms", ms), new("close_reason", "client_closed"),
            new("duration_ms", 1000), new("billable_ms", 1000), new("streamed", 1),
        ]);
        await db.SortedSetAddAsync($"dgp:{{{customerId}}}:sessions", sessionId, ms);
        await db.HashSetAsync("dgp:session-index", sessionId, customerId);
    }

    private static async Task<string[]> AddEntriesAsync(IDatabase db, int count)
    {
        var ids = new string[count];
        for (var i = 0; i < count; i++)
        {
            ids[i] = (await db.StreamAddAsync("dgp:records", "session_id", $"entry-{i}"))!;
        }

        return ids;
    }

    private static async Task ReadAsync(IDatabase db, string group, int count, int acknowledge)
    {
        var read = await db.StreamReadGroupAsync("dgp:records", group, "consumer-1", ">", count);
        Assert.Equal(count, read.Length);
        await db.StreamAcknowledgeAsync("dgp:records", group, [.. read.Take(acknowledge).Select(e => e.Id)]);
    }

    private static async Task<string> FirstIdAsync(IDatabase db) =>
        (await db.StreamRangeAsync("dgp:records", "-", "+", count: 1))[0].Id!;

    private static async Task WaitForLengthAsync(IDatabase db, long length)
    {
        var deadline = DateTime.UtcNow + Deadline;
        long now;
        while ((now = await db.StreamLengthAsync("dgp:records")) != length)
        {
            Assert.True(now > length, $"the stream was trimmed to {now} entries, below {length}");
            Assert.True(DateTime.UtcNow < deadline, $"the stream still has {now} entries, not {length}");
            await Task.Delay(100);
        }
    }

    private static DateOnly DayOf(string sessionId)
    {
        var hex = sessionId[..8] + sessionId[9..13];
        var ms = long.Parse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        return DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime);
    }

    private static DateOnly UsageDay(long unixMs) => DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime);
}
