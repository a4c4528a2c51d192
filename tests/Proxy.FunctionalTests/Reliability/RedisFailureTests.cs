using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Reliability;

/// <summary>Redis crashes and outages: every session keeps exactly one final record, usage adds up, nothing is lost.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class RedisFailureTests
{
    private readonly GatewayFixture _gateway;

    public RedisFailureTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task Redis_killed_under_twenty_live_sessions_and_back_five_seconds_later_loses_and_doubles_nothing()
    {
        await using var redis = await RedisServer.StartAsync(durable: true);
        await using var proxy = await ProxyServer.StartAsync(redis.Configuration, _gateway.Emulator.WebSocketUrl, GatewayFixture.ShortSessionControl);
        var (_, secret) = await proxy.IssueKeyAsync("redis-kill");
        await proxy.PatchSettingsAsync("redis-kill", new { idle_timeout_ms = 0 });

        var sessions = new List<(AgentTestClient Client, string RequestId, IAsyncDisposable Audio)>();
        for (var i = 0; i < 20; i++)
        {
            var (client, requestId) = await AgentTestClient.StartSessionAsync(proxy.AgentUrl(), secret);
            sessions.Add((client, requestId, client.StreamAudio(TimeSpan.FromMilliseconds(40))));
        }

        await redis.KillAsync();
        var killedAt = DateTime.UtcNow;

        // Half of the sessions end while Redis is gone: their final records can only go to the spool.
        await Task.Delay(500);
        foreach (var (client, _, audio) in sessions.Take(10))
        {
            await audio.DisposeAsync();
            await client.CloseAsync();
        }

        await WaitForSpooledAsync(proxy);
        var outage = await proxy.ScrapeAsync();
        Assert.Equal(0, outage.Sum("dgproxy_redis_up"));
        Assert.True(outage.Sum("dgproxy_spool_pending_records") > 0);
        Assert.True(outage.Sum("dgproxy_record_writes_total", "result=spooled") > 0);
        await Task.Delay(killedAt.AddSeconds(5) - DateTime.UtcNow);
        await redis.RestartAsync();

        foreach (var (client, _, audio) in sessions.Skip(10))
        {
            await audio.DisposeAsync();
            await client.CloseAsync();
        }

        await proxy.WaitForEmptySpoolAsync(TimeSpan.FromSeconds(30));
        await proxy.WaitForClosedRecordsAsync("redis-kill", 20, TimeSpan.FromSeconds(30));
        var records = await RecordLedger.AssertBooksBalanceAsync(proxy, redis.Database, "redis-kill", [.. sessions.Select(s => s.RequestId)]);
        Assert.Equal(20, records.Count);
        Assert.All(records, r => Assert.Equal("client_closed", r.GetProperty("close_reason").GetString()));
        MeasurementLedger.FaultOutcome(nameof(Redis_killed_under_twenty_live_sessions_and_back_five_seconds_later_loses_and_doubles_nothing), 20, records);

        // The metrics tell the same story: every spooled final replayed, each session counted once.
        var after = await proxy.ScrapeAsync();
        Assert.Equal(1, after.Sum("dgproxy_redis_up"));
        Assert.Equal(0, after.Sum("dgproxy_spool_pending_records"));
        Assert.Equal(20, after.Sum("dgproxy_sessions_total"));
        Assert.Equal(records.Sum(r => r.GetProperty("billable_ms").GetInt64()) / 1000.0, after.Sum("dgproxy_billable_seconds_total"), 6);
        Assert.Equal(after.Sum("dgproxy_record_writes_total", "record=final", "result=spooled"), after.Sum("dgproxy_record_writes_total", "record=final", "result=replayed"));
        Assert.True(after.Sum("dgproxy_record_writes_total", "record=final", "result=spooled") >= 10);
        Assert.Equal(20, after.Sum("dgproxy_record_writes_total", "record=final", "result=ok") + after.Sum("dgproxy_record_writes_total", "record=final", "result=replayed"));
        Assert.Equal(0, after.Sum("dgproxy_record_writes_total", "result=failed"));
        foreach (var (client, _, _) in sessions)
        {
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task Sessions_living_and_ending_while_redis_is_down_are_replayed_once_by_the_restarted_proxy()
    {
        await using var redis = await RedisServer.StartAsync(durable: true);
        var spool = Directory.CreateTempSubdirectory("dgproxy-spool-restart-").FullName;
        var settings = new Dictionary<string, string>(GatewayFixture.ShortSessionControl) { ["Storage:SpoolDirectory"] = spool };
        var first = await ProxyServer.StartAsync(redis.Configuration, _gateway.Emulator.WebSocketUrl, settings);
        await WarmUp.RunAsync(first);
        var (_, secret) = await first.IssueKeyAsync("redis-down-restart");
        await first.PatchSettingsAsync("redis-down-restart", new { idle_timeout_ms = 0 });

        // One session while Redis is up: the key is now known to this instance (fail_open admits it from memory).
        var requestIds = new List<string> { await RunSessionAsync(first, secret) };
        await first.WaitForClosedRecordByRequestIdAsync("redis-down-restart", requestIds[0]);

        await redis.KillAsync();
        for (var i = 0; i < 5; i++)
        {
            requestIds.Add(await RunSessionAsync(first, secret));
        }

        await WaitForSpooledAsync(first);
        Assert.Equal(0, await first.Process.TerminateAsync(TimeSpan.FromSeconds(30)));
        await first.DisposeAsync();

        // A new process on the same spool, Redis still down; then Redis comes back and the new process replays.
        await using var second = await ProxyServer.StartAsync(redis.Configuration, _gateway.Emulator.WebSocketUrl, settings);
        Assert.True((await second.InstanceAsync()).GetProperty("spool_pending_bytes").GetInt64() > 0);
        await redis.RestartAsync();
        await second.WaitForEmptySpoolAsync(TimeSpan.FromSeconds(30));

        var records = await RecordLedger.AssertBooksBalanceAsync(second, redis.Database, "redis-down-restart", requestIds);
        Assert.Equal(6, records.Count);
        MeasurementLedger.FaultOutcome(nameof(Sessions_living_and_ending_while_redis_is_down_are_replayed_once_by_the_restarted_proxy), 6, records);
        foreach (var requestId in requestIds)
        {
            var upstream = await _gateway.Emulator.WaitForClosedConnectionAsync(requestId);
            var record = records.Single(r => r.GetProperty("deepgram_request_id").GetString() == requestId);
            Assert.True(Math.Abs(record.GetProperty("duration_ms").GetInt64() - upstream.GetProperty("duration_ms").GetDouble()) <= 5,
                $"session #{requestIds.IndexOf(requestId)} record {record.GetRawText()} emulator {upstream.GetRawText()}");
        }
    }

    [Fact]
    public async Task A_session_admitted_while_redis_is_down_is_finalized_when_its_proxy_dies_before_redis_returns()
    {
        await using var redis = await RedisServer.StartAsync(durable: true);
        var spool = Directory.CreateTempSubdirectory("dgproxy-spool-orphan-open-").FullName;
        var settings = new Dictionary<string, string>(GatewayFixture.ShortSessionControl)
        {
            ["Storage:SpoolDirectory"] = spool,
            ["Storage:ReaperInterval"] = "00:00:01",
        };
        var first = await ProxyServer.StartAsync(redis.Configuration, _gateway.Emulator.WebSocketUrl, settings);
        await WarmUp.RunAsync(first);
        const string Customer = "redis-down-orphan";
        var (_, secret) = await first.IssueKeyAsync(Customer);
        await first.PatchSettingsAsync(Customer, new { idle_timeout_ms = 0 });
        var known = await RunSessionAsync(first, secret);
        await first.WaitForClosedRecordByRequestIdAsync(Customer, known);

        // Admitted from memory while Redis is down: no lease, and its open record only in the spool.
        await redis.KillAsync();
        var (client, requestId) = await AgentTestClient.StartSessionAsync(first.AgentUrl(), secret);
        await using var audio = client.StreamAudio(TimeSpan.FromMilliseconds(40));
        await WaitForSpooledAsync(first);

        // Heartbeats (1 s here) go on while Redis is away: the session's last sign of life must not be lost with it.
        await Task.Delay(3000);
        await first.Process.KillAsync();
        var killedAtMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(); // once gone: a beat can land during the kill
        await first.DisposeAsync();

        // Redis back, then a fresh process replays the dead one's spool: the open record it writes must not stay open.
        await redis.RestartAsync();
        await using var second = await ProxyServer.StartAsync(redis.Configuration, _gateway.Emulator.WebSocketUrl, settings);
        await second.WaitForEmptySpoolAsync(TimeSpan.FromSeconds(30));
        var record = await WaitForRecordAsync(second, Customer, requestId, r => r.GetProperty("status").GetString() == "closed", TimeSpan.FromSeconds(30));
        Assert.Equal("orphaned", record.GetProperty("close_reason").GetString());
        Assert.True(record.GetProperty("estimated").GetBoolean());
        Assert.Equal(1, record.GetProperty("record_version").GetInt64());
        // The session opened at least 3 s before the kill: an estimate at its open instant (no spooled beats) falls
        // outside; a beat spooled in its last ~2.8 s (1 s beats, delayed on a loaded machine) falls inside.
        Assert.InRange(record.GetProperty("last_seen_ms").GetInt64(), killedAtMs - 2800, killedAtMs);
        Assert.Equal(record.GetProperty("last_seen_ms").GetInt64() - record.GetProperty("upstream_opened_at_ms").GetInt64(), record.GetProperty("duration_ms").GetInt64());
        Assert.True(record.GetProperty("duration_ms").GetInt64() > 0, record.GetRawText());
        var records = await RecordLedger.AssertBooksBalanceAsync(second, redis.Database, Customer, [known, requestId]);
        Assert.Equal(2, records.Count);
        Assert.Equal(0, await redis.Database.SortedSetLengthAsync($"dgp:{{{Customer}}}:leases"));
        MeasurementLedger.FaultOutcome(nameof(A_session_admitted_while_redis_is_down_is_finalized_when_its_proxy_dies_before_redis_returns), 2, records);
        await client.DisposeAsync();
    }

    private static async Task<System.Text.Json.JsonElement> WaitForRecordAsync(
        ProxyServer proxy, string customerId, string requestId, Func<System.Text.Json.JsonElement, bool> done, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var record = (await proxy.ListSessionsAsync(customerId)).FirstOrDefault(r =>
                r.TryGetProperty("deepgram_request_id", out var id) && id.GetString() == requestId);
            if (record.ValueKind != System.Text.Json.JsonValueKind.Undefined && done(record))
            {
                return record;
            }

            Assert.True(DateTime.UtcNow < deadline, $"session {requestId}: {(record.ValueKind == System.Text.Json.JsonValueKind.Undefined ? "no record" : record.GetRawText())} after {within}");
            await Task.Delay(100);
        }
    }

    /// <summary>Records written while Redis is gone reach the spool once the write fails (at once, or after the
    /// client notices the dead connection).</summary>
    private static async Task WaitForSpooledAsync(ProxyServer proxy)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while ((await proxy.InstanceAsync()).GetProperty("spool_pending_bytes").GetInt64() == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "no record reached the spool while Redis was down");
            await Task.Delay(50);
        }
    }

    private static async Task<string> RunSessionAsync(ProxyServer proxy, string secret)
    {
        var (client, requestId) = await AgentTestClient.StartSessionAsync(proxy.AgentUrl(), secret);
        await using var _ = client;
        await client.SendBinaryAsync(640);
        await client.ReceiveBinaryAsync(1);
        await client.CloseAsync();
        return requestId;
    }
}
