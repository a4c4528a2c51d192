using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Proxy.FunctionalTests.Forwarding;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Hosting;

/// <summary>Graceful drain on SIGTERM: readiness goes, new sessions are refused, live ones get a window, then 1012.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class ShutdownTests
{
    private readonly GatewayFixture _gateway;

    public ShutdownTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task Draining_refuses_new_sessions_and_closes_live_ones_with_1012_after_the_window()
    {
        var proxy = await _gateway.StartProxyAsync(settings: GatewayFixture.ShortSessionControl);
        await using var _ = proxy;
        var (_, secret) = await proxy.IssueKeyAsync("drain-live");
        await proxy.PatchSettingsAsync("drain-live", new { idle_timeout_ms = 0 });
        var (client, requestId) = await AgentTestClient.StartSessionAsync(proxy.AgentUrl(), secret);
        await using var __ = client;

        var exit = proxy.Process.TerminateAsync(TimeSpan.FromSeconds(30));
        using var http = new HttpClient { BaseAddress = proxy.AdminUrl };
        await WaitForNotReadyAsync(http);
        var refused = await AdmissionTests.RawUpgradeAsync(
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Token " + secret + "\r\n",
            proxy.ProxyUrl);
        Assert.StartsWith("HTTP/1.1 503", refused, StringComparison.Ordinal);

        // The live session is left alone for the 2 s drain window, then told and closed with 1012.
        var seen = await client.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(15));
        Assert.True(seen.Closed);
        var error = seen.First("Error", "SERVER_SHUTDOWN");
        Assert.NotNull(error);
        Assert.True(error.At >= TimeSpan.FromSeconds(1.5), $"closed after {error.At}, inside the drain window");
        Assert.Equal((WebSocketCloseStatus)1012, client.CloseStatus);
        Assert.Equal(0, await exit);

        // Final before the process exited: read straight from Redis.
        var record = await _gateway.Proxy.WaitForClosedRecordByRequestIdAsync("drain-live", requestId);
        Assert.Equal("shutdown", record.GetProperty("close_reason").GetString());
        Assert.Equal(1012, record.GetProperty("close_code").GetInt32());
        Assert.Equal("proxy", record.GetProperty("close_initiator").GetString());
        var upstream = await _gateway.Emulator.WaitForClosedConnectionAsync(requestId);
        Assert.Equal(1000, upstream.GetProperty("close_status").GetInt32());
    }

    [Fact]
    public async Task A_session_ending_during_the_drain_keeps_its_reason_and_the_process_exits_without_waiting_out_the_window()
    {
        var settings = new Dictionary<string, string>(GatewayFixture.ShortSessionControl) { ["Sessions:DrainTimeout"] = "00:00:30" };
        var proxy = await _gateway.StartProxyAsync(settings: settings);
        await using var _ = proxy;
        var (_, secret) = await proxy.IssueKeyAsync("drain-ends");
        await proxy.PatchSettingsAsync("drain-ends", new { idle_timeout_ms = 0 });
        var client = await AgentTestClient.ConnectWithHeaderAsync(proxy.AgentUrl(), secret);
        await using var __ = client;
        var requestId = (await client.ReceiveJsonAsync("Welcome")).GetProperty("request_id").GetString()!;

        var stopping = System.Diagnostics.Stopwatch.GetTimestamp();
        var exit = proxy.Process.TerminateAsync(TimeSpan.FromSeconds(40));
        using var http = new HttpClient { BaseAddress = proxy.AdminUrl };
        await WaitForNotReadyAsync(http);
        await client.CloseAsync();
        Assert.Equal(0, await exit);
        Assert.True(System.Diagnostics.Stopwatch.GetElapsedTime(stopping) < TimeSpan.FromSeconds(20), "the drain waited for a session that had ended");

        var record = await _gateway.Proxy.WaitForClosedRecordByRequestIdAsync("drain-ends", requestId);
        Assert.Equal("client_closed", record.GetProperty("close_reason").GetString());
    }

    private static async Task WaitForNotReadyAsync(HttpClient http)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (true)
        {
            using var response = await http.GetAsync(new Uri("/readyz", UriKind.Relative));
            if (response.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable)
            {
                var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                Assert.Equal("unhealthy", body.GetProperty("status").GetString());
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, "/readyz did not turn 503 after SIGTERM");
            await Task.Delay(50);
        }
    }
}
