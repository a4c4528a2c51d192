using System.Net;
using System.Net.Sockets;
using Proxy.FunctionalTests.Gateway;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Reliability;

/// <summary>The upstream crashing mid-session, or never answering the upgrade.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class UpstreamFailureTests
{
    private readonly GatewayFixture _gateway;

    public UpstreamFailureTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task An_upstream_process_killed_mid_session_gets_the_client_a_1014_and_a_record_ending_at_the_drop()
    {
        await using var emulator = await EmulatorServer.StartAsync();
        await using var proxy = await _gateway.StartProxyAsync(emulator.WebSocketUrl);
        var (_, secret) = await proxy.IssueKeyAsync("upstream-killed");
        var (client, requestId) = await AgentTestClient.StartSessionAsync(proxy.AgentUrl(), secret);
        await using var _ = client;
        ReceivedSession seen;
        long killedAtMs;
        await using (client.StreamAudio(TimeSpan.FromMilliseconds(20)))
        {
            await Task.Delay(500);
            killedAtMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await emulator.KillAsync();
            seen = await client.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(10));
        }

        Assert.True(seen.Closed);
        Assert.Equal(1014, (int)client.CloseStatus!);
        var record = await proxy.WaitForClosedRecordByRequestIdAsync("upstream-killed", requestId);
        Assert.Equal("upstream_error", record.GetProperty("close_reason").GetString());
        Assert.Equal(1006, record.GetProperty("close_code").GetInt32());
        Assert.InRange(record.GetProperty("upstream_closed_at_ms").GetInt64(), killedAtMs - 5, killedAtMs + 1000);
    }

    [Fact]
    public async Task An_upstream_that_accepts_the_connection_and_never_answers_gets_a_502_after_the_connect_timeout()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var accepted = new List<Socket>();
        var accepting = Task.Run(async () =>
        {
            while (true)
            {
                accepted.Add(await silent.AcceptSocketAsync());
            }
        });

        await using var proxy = await _gateway.StartProxyAsync($"ws://127.0.0.1:{port}", new Dictionary<string, string> { ["Upstream:ConnectTimeout"] = "00:00:01" });
        var (_, secret) = await proxy.IssueKeyAsync("upstream-silent");
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var response = await AdmissionTests.RawUpgradeAsync(
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Token " + secret + "\r\n",
            proxy.ProxyUrl);
        var waited = System.Diagnostics.Stopwatch.GetElapsedTime(started);

        Assert.StartsWith("HTTP/1.1 502", response, StringComparison.Ordinal);
        Assert.Contains("did not answer in time", response, StringComparison.Ordinal);
        Assert.True(waited < TimeSpan.FromSeconds(10), $"the client waited {waited}");
        var record = await proxy.WaitForClosedRecordAsync("upstream-silent", _ => true);
        Assert.Equal("upstream_error", record.GetProperty("close_reason").GetString());

        // Dashboards and the connect-failure alert see it: one failed connect of about the timeout, one rejection.
        var metrics = await proxy.ScrapeAsync();
        Assert.Equal(1, metrics.Sum("dgproxy_upstream_connect_duration_seconds_count", "result=failed"));
        Assert.InRange(metrics.Sum("dgproxy_upstream_connect_duration_seconds_sum", "result=failed"), 0.9, 10);
        Assert.Equal(1, metrics.Sum("dgproxy_admission_rejected_total", "reason=upstream"));
        Assert.Equal(1, metrics.Sum("dgproxy_sessions_total", "close_reason=upstream_error"));
        Assert.Equal(0, metrics.Sum("dgproxy_billable_seconds_total"));
        Assert.Equal(0, record.GetProperty("billable_ms").GetInt64());
        silent.Stop();
        foreach (var socket in accepted)
        {
            socket.Dispose();
        }
    }
}
