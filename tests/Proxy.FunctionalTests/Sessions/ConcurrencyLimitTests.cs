using System.Net.WebSockets;
using Proxy.FunctionalTests.Gateway;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Sessions;

/// <summary>A customer's concurrency limit is one limit for all instances sharing a Redis.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class ConcurrencyLimitTests
{
    private readonly GatewayFixture _gateway;

    public ConcurrencyLimitTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task Two_instances_enforce_one_limit_and_a_closed_session_frees_its_slot_at_once()
    {
        var first = _gateway.Proxy;
        var second = await _gateway.ShortTimeoutsProxyAsync();
        var (_, secret) = await first.IssueKeyAsync("limit-shared");
        await first.PatchSettingsAsync("limit-shared", new { max_concurrent_sessions = 2, idle_timeout_ms = 0 });
        var before = await _gateway.Emulator.ConnectionCountAsync();

        var one = await AgentTestClient.ConnectWithHeaderAsync(first.AgentUrl(), secret);
        var two = await AgentTestClient.ConnectWithHeaderAsync(second.AgentUrl(), secret);
        await using var a = one;
        await using var b = two;
        var oneRequestId = (await one.ReceiveJsonAsync("Welcome")).GetProperty("request_id").GetString()!;
        await two.ReceiveJsonAsync("Welcome");

        foreach (var proxy in new[] { first, second })
        {
            var refused = await RawUpgradeAsync(proxy, secret);
            Assert.StartsWith("HTTP/1.1 429", refused, StringComparison.Ordinal);
            Assert.Contains("\"error\":\"concurrency_limit\"", refused, StringComparison.Ordinal);
            Assert.Matches(@"(?im)^Retry-After: \d+\r$", refused);
        }

        Assert.Equal(before + 2, await _gateway.Emulator.ConnectionCountAsync());

        // A closed session's slot is free as soon as its record is final: the next attempt is admitted.
        await one.CloseAsync();
        await first.WaitForClosedRecordByRequestIdAsync("limit-shared", oneRequestId);
        var three = await AgentTestClient.ConnectWithHeaderAsync(second.AgentUrl(), secret);
        await using var c = three;
        await three.ReceiveJsonAsync("Welcome");
        await two.CloseAsync();
        await three.CloseAsync();
    }

    [Fact]
    public async Task The_slots_of_a_killed_instance_come_back_when_their_leases_expire()
    {
        var survivor = await _gateway.ShortTimeoutsProxyAsync();
        var doomed = await _gateway.StartProxyAsync(settings: GatewayFixture.ShortSessionControl);
        await using var _ = doomed;
        var (_, secret) = await survivor.IssueKeyAsync("limit-crash");
        await survivor.PatchSettingsAsync("limit-crash", new { max_concurrent_sessions = 1, idle_timeout_ms = 0 });

        var orphan = await AgentTestClient.ConnectWithHeaderAsync(doomed.AgentUrl(), secret);
        await using var __ = orphan;
        await orphan.ReceiveJsonAsync("Welcome");
        Assert.StartsWith("HTTP/1.1 429", await RawUpgradeAsync(survivor, secret), StringComparison.Ordinal);

        var killedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        await doomed.Process.KillAsync();

        // Lease TTL is 3 s here; the survivor admits the customer again once it has expired, not before.
        var client = await ConnectWhenAdmittedAsync(survivor, secret, TimeSpan.FromSeconds(10));
        var freedAfter = System.Diagnostics.Stopwatch.GetElapsedTime(killedAt);
        await using var ___ = client;
        Assert.True(freedAfter > TimeSpan.FromSeconds(1), $"the slot came back after {freedAfter}, before the lease could have expired");
        await client.ReceiveJsonAsync("Welcome");
        await client.CloseAsync();
    }

    [Fact]
    public async Task An_instance_limit_refuses_sessions_beyond_it_with_429()
    {
        var settings = new Dictionary<string, string>(GatewayFixture.ShortSessionControl) { ["Sessions:MaxConcurrentSessionsPerInstance"] = "1" };
        var proxy = await _gateway.StartProxyAsync(settings: settings);
        await using var _ = proxy;
        var (_, secret) = await proxy.IssueKeyAsync("limit-instance");

        var one = await AgentTestClient.ConnectWithHeaderAsync(proxy.AgentUrl(), secret);
        await using var __ = one;
        await one.ReceiveJsonAsync("Welcome");
        var refused = await RawUpgradeAsync(proxy, secret);
        Assert.StartsWith("HTTP/1.1 429", refused, StringComparison.Ordinal);
        Assert.Contains("\"error\":\"instance_full\"", refused, StringComparison.Ordinal);
        await one.CloseAsync();
    }

    private static Task<string> RawUpgradeAsync(ProxyServer proxy, string secret) =>
        AdmissionTests.RawUpgradeAsync(
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Token " + secret + "\r\n",
            proxy.ProxyUrl);

    private static async Task<AgentTestClient> ConnectWhenAdmittedAsync(ProxyServer proxy, string secret, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            try
            {
                return await AgentTestClient.ConnectWithHeaderAsync(proxy.AgentUrl(), secret,
                    o => o.CollectHttpResponseDetails = true);
            }
            catch (WebSocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }
}
