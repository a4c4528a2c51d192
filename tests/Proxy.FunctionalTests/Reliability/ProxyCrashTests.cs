using System.Net.Http.Json;
using System.Text.Json;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Reliability;

/// <summary>An instance killed with its sessions open: another instance's reaper finalizes them, once.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class ProxyCrashTests
{
    private readonly GatewayFixture _gateway;

    public ProxyCrashTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task Sessions_of_a_killed_instance_are_reaped_as_orphaned_and_not_duplicated_when_it_restarts()
    {
        var reaperSettings = new Dictionary<string, string>(GatewayFixture.ShortSessionControl) { ["Storage:ReaperInterval"] = "00:00:01" };
        await using var survivor = await _gateway.StartProxyAsync(settings: reaperSettings);
        var spool = Directory.CreateTempSubdirectory("dgproxy-spool-crash-").FullName;
        var doomedSettings = new Dictionary<string, string>(GatewayFixture.ShortSessionControl) { ["Storage:SpoolDirectory"] = spool };
        var doomed = await _gateway.StartProxyAsync(settings: doomedSettings);
        var (_, secret) = await doomed.IssueKeyAsync("proxy-crash");
        await doomed.PatchSettingsAsync("proxy-crash", new { idle_timeout_ms = 0 });

        // Under a plan of one micro-unit per ms: the reaper's estimate is rated like any final record.
        (await doomed.Admin.PutAsJsonAsync(new Uri("/admin/v1/plans/proxy-crash-plan", UriKind.Relative), new { currency = "USD", per_minute_micros = 60_000 })).EnsureSuccessStatusCode();
        (await doomed.Admin.PutAsJsonAsync(new Uri("/admin/v1/customers/proxy-crash", UriKind.Relative), new { plan = "proxy-crash-plan" })).EnsureSuccessStatusCode();

        var clients = new List<(AgentTestClient Client, IAsyncDisposable Audio)>();
        for (var i = 0; i < 3; i++)
        {
            var client = await AgentTestClient.ConnectWithHeaderAsync(doomed.AgentUrl(), secret);
            await client.ReceiveJsonAsync("Welcome");
            await client.SendTextAsync(AgentTestClient.SettingsJson());
            await client.ReceiveJsonAsync("SettingsApplied");
            clients.Add((client, client.StreamAudio(TimeSpan.FromMilliseconds(40))));
        }

        // Two heartbeats (1 s apart here) put a last sign of life on each open record.
        await Task.Delay(2500);
        // Read once the process is gone: a heartbeat can still land while the kill is under way (CI: 18 ms after
        // an instant taken just before it).
        await doomed.Process.KillAsync();
        var killedAtMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var killed = System.Diagnostics.Stopwatch.GetTimestamp();

        var records = await survivor.WaitForClosedRecordsAsync("proxy-crash", 3, TimeSpan.FromSeconds(30));
        var reapedAfter = System.Diagnostics.Stopwatch.GetElapsedTime(killed);
        MeasurementLedger.ClosePrecision("orphan_reaped_after_kill", 3000 + 1000, reapedAfter.TotalMilliseconds);
        foreach (var record in records)
        {
            Assert.Equal("orphaned", record.GetProperty("close_reason").GetString());
            Assert.True(record.GetProperty("estimated").GetBoolean());
            Assert.Equal("none", record.GetProperty("close_initiator").GetString());
            var lastSeen = record.GetProperty("last_seen_ms").GetInt64();
            Assert.InRange(lastSeen, killedAtMs - 2500, killedAtMs);
            Assert.Equal(lastSeen, record.GetProperty("upstream_closed_at_ms").GetInt64());
            var duration = lastSeen - record.GetProperty("upstream_opened_at_ms").GetInt64();
            Assert.Equal(duration, record.GetProperty("duration_ms").GetInt64());
            Assert.Equal(Math.Max(duration, 1000), record.GetProperty("billable_ms").GetInt64());
            Assert.Equal(("proxy-crash-plan", 1, Math.Max(duration, 1000)), (record.GetProperty("plan_id").GetString(), record.GetProperty("plan_version").GetInt32(), record.GetProperty("cost_micros").GetInt64()));
        }

        // The dead instance comes back on its spool: nothing of these sessions is written again.
        await using var restarted = await _gateway.StartProxyAsync(settings: doomedSettings);
        await Task.Delay(2000);
        var after = await survivor.ListSessionsAsync("proxy-crash");
        Assert.Equal(records.Select(r => r.GetRawText()).Order(), after.Select(r => r.GetRawText()).Order());
        var books = await RecordLedger.AssertBooksBalanceAsync(survivor, _gateway.Redis.Database, "proxy-crash", []);
        MeasurementLedger.FaultOutcome(nameof(Sessions_of_a_killed_instance_are_reaped_as_orphaned_and_not_duplicated_when_it_restarts), 3, books);
        await doomed.DisposeAsync();
        foreach (var (client, audio) in clients)
        {
            await audio.DisposeAsync();
            await client.DisposeAsync();
        }
    }
}
