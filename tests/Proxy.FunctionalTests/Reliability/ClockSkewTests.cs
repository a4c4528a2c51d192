using Proxy.FunctionalTests.Gateway;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Reliability;

/// <summary>
/// Instances whose wall clocks disagree share one lease clock: Redis's. An instance running 30 s behind writes leases
/// that the others see as live, so its sessions are neither reaped as orphans nor left out of a concurrency limit.
/// </summary>
[Collection(GatewayTestGroup.Name)]
public sealed class ClockSkewTests
{
    // Debian's libfaketime (deploy/local/test.sh installs it), in the machine's multiarch directory.
    private static readonly string FakeTimeLibrary = Directory.GetDirectories("/usr/lib")
        .Select(d => Path.Combine(d, "faketime", "libfaketime.so.1"))
        .FirstOrDefault(File.Exists) ?? "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

    private readonly GatewayFixture _gateway;

    public ClockSkewTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task A_session_on_an_instance_30_s_behind_is_not_reaped_and_counts_toward_the_limit()
    {
        Assert.True(File.Exists(FakeTimeLibrary), $"libfaketime is not installed at {FakeTimeLibrary}");
        await using var redis = await RedisServer.StartAsync();

        // The honest instance starts first and reaps every second (3 s leases): it holds the reaper lock.
        var reaperSettings = new Dictionary<string, string>(GatewayFixture.ShortSessionControl) { ["Storage:ReaperInterval"] = "00:00:01" };
        await using var honest = await ProxyServer.StartAsync(redis.Configuration, _gateway.Emulator.WebSocketUrl, reaperSettings);
        await using var skewed = await ProxyServer.StartAsync(redis.Configuration, _gateway.Emulator.WebSocketUrl, GatewayFixture.ShortSessionControl,
            new Dictionary<string, string?>
            {
                // Only the wall clock (CLOCK_REALTIME, which DateTime.UtcNow reads) is 30 s behind; the monotonic
                // clock that times durations and timers is left alone. Without FORCE_MONOTONIC_FIX=0 libfaketime's
                // pthread_cond_timedwait wrapper stalls .NET's waits (StackExchange.Redis times out).
                ["LD_PRELOAD"] = FakeTimeLibrary,
                ["FAKETIME"] = "-30",
                ["FAKETIME_DONT_FAKE_MONOTONIC"] = "1",
                ["FAKETIME_FORCE_MONOTONIC_FIX"] = "0",
            });
        var (_, secret) = await honest.IssueKeyAsync("skewed-lease");
        await honest.PatchSettingsAsync("skewed-lease", new { idle_timeout_ms = 0, max_concurrent_sessions = 1 });

        var (client, requestId) = await AgentTestClient.StartSessionAsync(skewed.AgentUrl(), secret);
        await using var _ = client;
        var open = await honest.WaitForOpenRecordAsync("skewed-lease");
        var behindMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - open.GetProperty("client_opened_at_ms").GetInt64();
        Assert.InRange(behindMs, 25_000, 40_000);

        // Several lease periods and reaper passes: the session stays live, and the limit of one holds on the honest
        // instance the whole time.
        var until = DateTime.UtcNow.AddSeconds(8);
        var attempts = 0;
        while (DateTime.UtcNow < until)
        {
            attempts++;
            var refused = await AdmissionTests.RawUpgradeAsync(
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Token " + secret + "\r\n",
                honest.ProxyUrl);
            Assert.True(refused.StartsWith("HTTP/1.1 429", StringComparison.Ordinal) && refused.Contains("\"error\":\"concurrency_limit\"", StringComparison.Ordinal),
                $"attempt {attempts}: the honest instance did not count the skewed instance's session: {refused.Split("\r\n")[0]}");
            await Task.Delay(500);
        }

        var stillOpen = await honest.GetSessionAsync(open.GetProperty("session_id").GetString()!);
        Assert.Equal("open", stillOpen.GetProperty("status").GetString());
        Assert.False((await client.ReceiveUntilClosedAsync(TimeSpan.FromMilliseconds(200))).Closed);

        await client.CloseAsync();
        var record = await honest.WaitForClosedRecordByRequestIdAsync("skewed-lease", requestId);
        MeasurementLedger.FaultOutcome(nameof(A_session_on_an_instance_30_s_behind_is_not_reaped_and_counts_toward_the_limit), 1, await honest.ListSessionsAsync("skewed-lease"));
        Assert.Equal("client_closed", record.GetProperty("close_reason").GetString());
        Assert.False(record.GetProperty("estimated").GetBoolean());
    }
}
