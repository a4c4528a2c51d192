using System.Net.Http.Json;
using System.Net.WebSockets;
using Proxy.FunctionalTests.Gateway;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Sessions;

/// <summary>
/// A revoked key or a disabled customer stops billing on every instance: the admin API broadcasts the close, and an
/// instance that missed the broadcast (cut off from Redis at that moment, through a relay) closes at its next
/// heartbeat, which rereads the customer and its keys.
/// </summary>
[Collection(GatewayTestGroup.Name)]
public sealed class RevocationTests
{
    private const string KeepAlive = """{"type":"KeepAlive"}""";

    private static readonly TimeSpan CloseWithin = TimeSpan.FromSeconds(10);

    private readonly GatewayFixture _gateway;

    public RevocationTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task Revoking_a_key_closes_its_sessions_on_every_instance_also_on_one_that_missed_the_broadcast()
    {
        var admin = await _gateway.ShortTimeoutsProxyAsync();
        await using var relay = TcpRelay.To(_gateway.Redis.Port);
        await using var deaf = await StartBehindAsync(relay);
        var (keyId, secret) = await admin.IssueKeyAsync("revoke-missed");
        await admin.PatchSettingsAsync("revoke-missed", new { idle_timeout_ms = 0 });
        var sessions = await StartOnEachAsync(secret, admin, deaf);

        await MissBroadcastAsync(deaf, relay, async () =>
        {
            using var revoke = await admin.Admin.DeleteAsync(new Uri($"/admin/v1/keys/{keyId}", UriKind.Relative));
            revoke.EnsureSuccessStatusCode();
        });

        await AssertClosedAsync(admin, "revoke-missed", sessions, "key_revoked");
        await deaf.Process.WaitForLineAsync(@"Heartbeat recheck closes session \S+ of customer revoke-missed: key_revoked", TimeSpan.FromSeconds(5));
        await AssertRefusedAsync(deaf, secret, 401, "key_revoked");
    }

    [Fact]
    public async Task Disabling_a_customer_closes_its_sessions_on_every_instance_also_on_one_that_missed_the_broadcast()
    {
        var admin = await _gateway.ShortTimeoutsProxyAsync();
        await using var relay = TcpRelay.To(_gateway.Redis.Port);
        await using var deaf = await StartBehindAsync(relay);
        var (_, secret) = await admin.IssueKeyAsync("disable-missed");
        var (_, otherKey) = await admin.IssueKeyAsync("disable-missed");
        await admin.PatchSettingsAsync("disable-missed", new { idle_timeout_ms = 0 });
        var sessions = await StartOnEachAsync(secret, admin, deaf);
        sessions.AddRange(await StartOnEachAsync(otherKey, deaf));

        await MissBroadcastAsync(deaf, relay, () => admin.PutCustomerAsync("disable-missed", new { disabled = true }));

        await AssertClosedAsync(admin, "disable-missed", sessions, "customer_disabled");
        await deaf.Process.WaitForLineAsync(@"Heartbeat recheck closes session \S+ of customer disable-missed: customer_disabled", TimeSpan.FromSeconds(5));
        await AssertRefusedAsync(deaf, secret, 403, "customer_disabled");
    }

    [Fact]
    public async Task Revoking_with_close_sessions_false_keeps_live_sessions_and_refuses_new_ones()
    {
        var admin = await _gateway.ShortTimeoutsProxyAsync();
        await using var other = await _gateway.StartProxyAsync(settings: GatewayFixture.ShortSessionControl);
        var (keyId, secret) = await admin.IssueKeyAsync("revoke-keep");
        await admin.PatchSettingsAsync("revoke-keep", new { idle_timeout_ms = 0 });
        var sessions = await StartOnEachAsync(secret, admin, other);

        using (var revoke = await admin.Admin.DeleteAsync(new Uri($"/admin/v1/keys/{keyId}?close_sessions=false", UriKind.Relative)))
        {
            revoke.EnsureSuccessStatusCode();
            Assert.Equal("revoked", (await revoke.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("status").GetString());
        }

        await AssertRefusedAsync(other, secret, 401, "key_revoked");

        // Three heartbeats (1 s) on both instances: the recheck leaves them alone too.
        foreach (var (client, _, _) in sessions)
        {
            var quiet = await client.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(1.5));
            Assert.False(quiet.Closed, $"a session of a key revoked with close_sessions=false was closed: {string.Join(", ", quiet.Messages.Select(m => m.Type + " " + m.Code))}");
        }

        foreach (var (client, requestId, keepAlive) in sessions)
        {
            await keepAlive.DisposeAsync();
            await client.CloseAsync();
            var record = await admin.WaitForClosedRecordByRequestIdAsync("revoke-keep", requestId);
            Assert.Equal("client_closed", record.GetProperty("close_reason").GetString());
            await client.DisposeAsync();
        }
    }

    /// <summary>Starts a session on each proxy; each sends a KeepAlive every second, so nothing but the proxy
    /// ends it (the emulator closes a silent session after 10 s).</summary>
    private static async Task<List<LiveSession>> StartOnEachAsync(string secret, params ProxyServer[] proxies)
    {
        var sessions = new List<LiveSession>();
        foreach (var proxy in proxies)
        {
            var (client, requestId) = await AgentTestClient.StartSessionAsync(proxy.AgentUrl(), secret);
            sessions.Add(new LiveSession(client, requestId, client.SendEvery(TimeSpan.FromSeconds(1), KeepAlive)));
        }

        return sessions;
    }

    /// <summary>A proxy that reaches Redis through <paramref name="relay"/>. Its leases last 30 s: its client may take
    /// a few seconds to reconnect after the cut, and the other instances' reapers must not take its sessions for a
    /// dead instance's meanwhile.</summary>
    private Task<ProxyServer> StartBehindAsync(TcpRelay relay) =>
        _gateway.StartProxyAsync(settings: new Dictionary<string, string>(GatewayFixture.ShortSessionControl)
        {
            ["Redis:Configuration"] = $"127.0.0.1:{relay.Port}",
            ["Sessions:LeaseTtl"] = "00:00:30",
        });

    /// <summary>Runs the admin call while <paramref name="deaf"/> is cut off from Redis, so the broadcast cannot
    /// reach it, then heals the cut.</summary>
    private async Task MissBroadcastAsync(ProxyServer deaf, TcpRelay relay, Func<Task> adminCall)
    {
        await using var clients = await RedisClients.ConnectAsync(_gateway.Redis);
        relay.Cut();
        try
        {
            // Redis drops the cut connections as soon as it sees them reset.
            var deadline = DateTime.UtcNow.AddSeconds(2);
            while (await clients.IsSubscribedAsync(deaf.InstanceId))
            {
                Assert.True(DateTime.UtcNow < deadline, "Redis still lists the cut-off instance's subscription");
                await Task.Delay(10);
            }

            await adminCall();
        }
        finally
        {
            relay.Restore();
        }
    }

    private static async Task AssertClosedAsync(ProxyServer admin, string customerId, List<LiveSession> sessions, string reason)
    {
        foreach (var (client, requestId, keepAlive) in sessions)
        {
            var seen = await client.ReceiveUntilClosedAsync(CloseWithin);
            await keepAlive.DisposeAsync();
            Assert.True(seen.Closed, $"session {requestId} was still open {CloseWithin} after the admin call");
            Assert.True(seen.First("Error", "SESSION_CLOSED_BY_ADMIN") is not null,
                $"session {requestId} closed without SESSION_CLOSED_BY_ADMIN; it got: {string.Join(", ", seen.Messages.Select(m => m.Type + " " + m.Code))}");
            Assert.Equal(WebSocketCloseStatus.NormalClosure, client.CloseStatus);
            var record = await admin.WaitForClosedRecordByRequestIdAsync(customerId, requestId);
            Assert.Equal(reason, record.GetProperty("close_reason").GetString());
            Assert.Equal("proxy", record.GetProperty("close_initiator").GetString());
            await client.DisposeAsync();
        }

        MeasurementLedger.FaultOutcome($"Revocation missed by one instance ({reason})", sessions.Count, await admin.ListSessionsAsync(customerId));
    }

    /// <summary>A new session with <paramref name="secret"/> is refused by <paramref name="proxy"/> with this HTTP
    /// status and error.</summary>
    private static async Task AssertRefusedAsync(ProxyServer proxy, string secret, int status, string error)
    {
        var refused = await RawUpgradeAsync(proxy, secret);
        Assert.StartsWith($"HTTP/1.1 {status}", refused, StringComparison.Ordinal);
        Assert.Contains($"\"error\":\"{error}\"", refused, StringComparison.Ordinal);
    }

    private static Task<string> RawUpgradeAsync(ProxyServer proxy, string secret) =>
        AdmissionTests.RawUpgradeAsync(
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Token " + secret + "\r\n",
            proxy.ProxyUrl);

    private sealed record LiveSession(AgentTestClient Client, string RequestId, RepeatingSender KeepAlive);
}
