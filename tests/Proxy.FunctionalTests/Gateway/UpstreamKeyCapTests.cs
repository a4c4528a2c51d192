using System.Net;
using System.Net.WebSockets;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Gateway;

/// <summary><c>Limits:MaxSessionsPerUpstreamKey</c>: sessions of different customers on the same Deepgram key share
/// the key's cap, on every instance (Redis leases); one over it is refused with 429 before anything is dialed.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class UpstreamKeyCapTests
{
    private readonly GatewayFixture _gateway;

    public UpstreamKeyCapTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task A_deepgram_key_at_its_cap_refuses_another_customers_session_with_429_until_one_ends()
    {
        await using var proxy = await _gateway.StartProxyAsync(settings: new Dictionary<string, string> { ["Limits:MaxSessionsPerUpstreamKey"] = "1" });
        var (_, first) = await proxy.IssueKeyAsync("upstream-cap-a");
        var (_, second) = await proxy.IssueKeyAsync("upstream-cap-b");

        // Both customers go upstream with the default Deepgram key.
        var (holder, _) = await AgentTestClient.StartSessionAsync(proxy.AgentUrl(), first);
        await using (holder)
        {
            var upstreamBefore = await _gateway.Emulator.ConnectionCountAsync();
            var raw = await AdmissionTests.RawUpgradeAsync(
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Token " + second + "\r\n",
                proxy.ProxyUrl);
            Assert.StartsWith("HTTP/1.1 429", raw, StringComparison.Ordinal);
            Assert.Contains("\"error\":\"upstream_concurrency_limit\"", raw, StringComparison.Ordinal);
            Assert.Matches(@"(?im)^Retry-After: \d+\r$", raw);
            Assert.Equal(upstreamBefore, await _gateway.Emulator.ConnectionCountAsync());
            await holder.CloseAsync();
        }

        // The holder's place comes free once its session has ended (its record is written as it leaves).
        await proxy.WaitForClosedRecordAsync("upstream-cap-a", _ => true);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            using var socket = new ClientWebSocket();
            socket.Options.SetRequestHeader("Authorization", "Token " + second);
            socket.Options.CollectHttpResponseDetails = true;
            try
            {
                await socket.ConnectAsync(proxy.AgentUrl(), CancellationToken.None);
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                break;
            }
            catch (WebSocketException) when (socket.HttpStatusCode == HttpStatusCode.TooManyRequests && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    [Fact]
    public async Task The_cap_holds_across_two_instances_and_the_second_is_admitted_once_the_first_instances_session_ends()
    {
        var capped = new Dictionary<string, string> { ["Limits:MaxSessionsPerUpstreamKey"] = "1" };
        await using var first = await _gateway.StartProxyAsync(settings: capped);
        await using var second = await _gateway.StartProxyAsync(settings: capped);
        var (_, onFirst) = await first.IssueKeyAsync("upstream-cluster-a");
        var (_, onSecond) = await second.IssueKeyAsync("upstream-cluster-b");

        // Both instances go upstream with the same default Deepgram key.
        var (holder, _) = await AgentTestClient.StartSessionAsync(first.AgentUrl(), onFirst);
        await using (holder)
        {
            var upstreamBefore = await _gateway.Emulator.ConnectionCountAsync();
            var raw = await AdmissionTests.RawUpgradeAsync(
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Token " + onSecond + "\r\n",
                second.ProxyUrl);
            Assert.StartsWith("HTTP/1.1 429", raw, StringComparison.Ordinal);
            Assert.Contains("\"error\":\"upstream_concurrency_limit\"", raw, StringComparison.Ordinal);
            Assert.Contains("already carries 1 live sessions, its maximum of 1", raw, StringComparison.Ordinal);
            Assert.Matches(@"(?im)^Retry-After: \d+\r$", raw);
            Assert.Equal(upstreamBefore, await _gateway.Emulator.ConnectionCountAsync());
            Assert.True(await ConcurrencyRejectionCountedAsync(second), "dgproxy_admission_rejected_total{reason=concurrency} did not reach 1");
            await holder.CloseAsync();
        }

        // The first instance gives the key's place back as its session finishes: the second admits at once after.
        await first.WaitForClosedRecordAsync("upstream-cluster-a", _ => true);
        await ConnectUntilAdmittedAsync(second, onSecond, TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task A_killed_instances_place_on_the_key_frees_up_when_its_lease_expires()
    {
        var capped = new Dictionary<string, string>(GatewayFixture.ShortSessionControl)
        {
            ["Limits:MaxSessionsPerUpstreamKey"] = "1",
            ["Storage:ReaperInterval"] = "00:00:01",
            ["Storage:SpoolDirectory"] = Directory.CreateTempSubdirectory("dgproxy-spool-upstream-cap-").FullName,
        };
        var doomed = await _gateway.StartProxyAsync(settings: capped);
        await using var survivor = await _gateway.StartProxyAsync(settings: capped);
        var (_, onDoomed) = await doomed.IssueKeyAsync("upstream-crash-a");
        await doomed.PatchSettingsAsync("upstream-crash-a", new { idle_timeout_ms = 0 });
        var (_, onSurvivor) = await survivor.IssueKeyAsync("upstream-crash-b");

        var (holder, _) = await AgentTestClient.StartSessionAsync(doomed.AgentUrl(), onDoomed);
        await using (holder)
        {
            await AssertRefusedAsync(survivor, onSurvivor);

            // Past a lease TTL (3 s here) the live session still holds its place: its instance renews the lease.
            await Task.Delay(TimeSpan.FromSeconds(4));
            await AssertRefusedAsync(survivor, onSurvivor);

            await doomed.Process.KillAsync();

            // Nobody renews the dead instance's lease: within its TTL and a heartbeat the key has room again.
            await ConnectUntilAdmittedAsync(survivor, onSurvivor, TimeSpan.FromSeconds(20));
        }

        // The killed instance's session is reaped like any orphan: one record, final.
        var records = await survivor.WaitForClosedRecordsAsync("upstream-crash-a", 1, TimeSpan.FromSeconds(30));
        Assert.Equal("orphaned", Assert.Single(records).GetProperty("close_reason").GetString());
        await doomed.DisposeAsync();
    }

    [Fact]
    public async Task While_redis_is_down_the_cap_holds_per_instance_and_the_heartbeat_takes_the_lease_when_redis_is_back()
    {
        await using var redis = await RedisServer.StartAsync(durable: true);
        var settings = new Dictionary<string, string>(GatewayFixture.ShortSessionControl)
        {
            ["Limits:MaxSessionsPerUpstreamKey"] = "1",
            ["Storage:SpoolDirectory"] = Directory.CreateTempSubdirectory("dgproxy-spool-upstream-cap-down-").FullName,
        };
        await using var proxy = await ProxyServer.StartAsync(redis.Configuration, _gateway.Emulator.WebSocketUrl, settings);
        var (_, first) = await proxy.IssueKeyAsync("upstream-down-a");
        await proxy.PatchSettingsAsync("upstream-down-a", new { idle_timeout_ms = 0 });
        var (_, second) = await proxy.IssueKeyAsync("upstream-down-b");

        // Both keys checked while Redis is up: fail_open admits them from memory afterwards.
        foreach (var key in new[] { first, second })
        {
            var (warm, _) = await AgentTestClient.StartSessionAsync(proxy.AgentUrl(), key);
            await warm.CloseAsync();
            await warm.DisposeAsync();
        }

        await proxy.WaitForClosedRecordAsync("upstream-down-b", _ => true);
        await redis.KillAsync();
        var (holder, requestId) = await AgentTestClient.StartSessionAsync(proxy.AgentUrl(), first);
        await using (holder)
        {
            await AssertRefusedAsync(proxy, second);

            // Back: the next heartbeat takes the lease of the session admitted without one, so another instance on
            // the same Redis counts it.
            await redis.RestartAsync();
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (await LeasesHeldAsync(redis) == 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            Assert.Equal(1, await LeasesHeldAsync(redis));
            await using var other = await ProxyServer.StartAsync(redis.Configuration, _gateway.Emulator.WebSocketUrl, settings.Where(s => s.Key != "Storage:SpoolDirectory").ToDictionary());
            await AssertRefusedAsync(other, second);
            await holder.CloseAsync();
        }

        // One final record for the session that lived through the outage.
        var record = await proxy.WaitForClosedRecordByRequestIdAsync("upstream-down-a", requestId);
        Assert.Equal("client_closed", record.GetProperty("close_reason").GetString());
        Assert.Single(await proxy.ListSessionsAsync("upstream-down-a"), r => r.GetProperty("deepgram_request_id").GetString() == requestId);
    }

    // Leases on any capped Deepgram key (the test uses one); 0 while the test's own connection is not back yet.
    private static async Task<long> LeasesHeldAsync(RedisServer redis)
    {
        try
        {
            var server = redis.Connection!.GetServers()[0];
            long held = 0;
            await foreach (var key in server.KeysAsync(pattern: "dgp:{upstream:*}:leases"))
            {
                held += await redis.Database.SortedSetLengthAsync(key);
            }

            return held;
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            return 0;
        }
    }

    private static async Task AssertRefusedAsync(ProxyServer proxy, string key)
    {
        using var refused = new ClientWebSocket();
        refused.Options.SetRequestHeader("Authorization", "Token " + key);
        refused.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => refused.ConnectAsync(proxy.AgentUrl(), CancellationToken.None));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.HttpStatusCode);
    }

    private static async Task<bool> ConcurrencyRejectionCountedAsync(ProxyServer proxy)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if ((await proxy.ScrapeAsync()).Sum("dgproxy_admission_rejected_total", "reason=concurrency") >= 1)
            {
                return true;
            }

            await Task.Delay(100);
        }

        return false;
    }

    private static async Task ConnectUntilAdmittedAsync(ProxyServer proxy, string key, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            using var socket = new ClientWebSocket();
            socket.Options.SetRequestHeader("Authorization", "Token " + key);
            socket.Options.CollectHttpResponseDetails = true;
            try
            {
                await socket.ConnectAsync(proxy.AgentUrl(), CancellationToken.None);
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                return;
            }
            catch (WebSocketException) when (socket.HttpStatusCode == HttpStatusCode.TooManyRequests && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }
}
