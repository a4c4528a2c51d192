using System.Net;
using System.Text.Json;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Telemetry;

/// <summary>Real sessions through a real proxy, then a scrape of its <c>/metrics</c>: every counter moved by
/// exactly what the sessions did, as their records tell.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class MetricsTests
{
    private const string Labelled = "metrics-labelled";
    private const string Unlabelled = "metrics-unlabelled";
    private const int AudioFrames = 20;

    private readonly GatewayFixture _gateway;

    public MetricsTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task Three_sessions_move_the_counters_by_what_their_records_say()
    {
        await using var proxy = await _gateway.StartProxyAsync(settings: new Dictionary<string, string>
        {
            ["Metrics:CustomerLabels:0"] = Labelled,
            ["Sessions:MaxConcurrentSessionsPerInstance"] = "500",
        });
        var (_, labelledSecret) = await proxy.IssueKeyAsync(Labelled);
        var (_, unlabelledSecret) = await proxy.IssueKeyAsync(Unlabelled);
        var before = await proxy.ScrapeAsync();
        File.WriteAllText(Path.Combine(AppContext.BaseDirectory, "metrics-sample.txt"), before.Text);

        var requestIds = new List<(string Customer, string RequestId)>();
        foreach (var (customer, secret) in new[] { (Labelled, labelledSecret), (Labelled, labelledSecret), (Unlabelled, unlabelledSecret) })
        {
            var client = await AgentTestClient.ConnectWithHeaderAsync(proxy.AgentUrl(), secret);
            await using var _ = client;
            requestIds.Add((customer, (await client.ReceiveJsonAsync("Welcome")).GetProperty("request_id").GetString()!));
            await client.SendTextAsync(AgentTestClient.SettingsJson());
            await client.ReceiveJsonAsync("SettingsApplied");
            for (var i = 0; i < AudioFrames; i++)
            {
                await client.SendBinaryAsync(640);
            }

            await client.ReceiveBinaryAsync(AudioFrames);
            await client.SendTextAsync("""{"type":"KeepAlive"}""");

            var live = await proxy.ScrapeAsync();
            Assert.Equal(1, live.Sum("dgproxy_sessions_active"));
            await client.CloseAsync();
        }

        var refused = await Gateway.AdmissionTests.RawUpgradeAsync(
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Token dgpk_not-a-key\r\n", proxy.ProxyUrl);
        Assert.StartsWith("HTTP/1.1 401", refused, StringComparison.Ordinal);

        var after = await proxy.ScrapeUntilAsync(s => s.Sum("dgproxy_sessions_total") - before.Sum("dgproxy_sessions_total") >= 3);
        File.WriteAllText(Path.Combine(AppContext.BaseDirectory, "metrics-sample.txt"), after.Text);
        var records = new List<JsonElement>();
        foreach (var (customer, requestId) in requestIds)
        {
            records.Add(await proxy.WaitForClosedRecordByRequestIdAsync(customer, requestId));
        }

        double Delta(string name, params string[] labels) => after.Sum(name, labels) - before.Sum(name, labels);
        long SumOf(string field) => records.Sum(r => r.GetProperty(field).GetInt64());

        Assert.Equal(3, Delta("dgproxy_sessions_total", "close_reason=client_closed"));
        Assert.Equal(2, Delta("dgproxy_sessions_total", "customer=" + Labelled));
        Assert.Equal(1, Delta("dgproxy_sessions_total", "customer=other"));
        Assert.Equal(SumOf("billable_ms") / 1000.0, Delta("dgproxy_billable_seconds_total"), 6);
        Assert.Equal(3, Delta("dgproxy_session_duration_seconds_count"));
        Assert.Equal(SumOf("duration_ms") / 1000.0, Delta("dgproxy_session_duration_seconds_sum"), 6);
        Assert.Equal(3, Delta("dgproxy_upstream_connect_duration_seconds_count", "result=ok"));
        Assert.Equal(0, after.Sum("dgproxy_sessions_active"));
        Assert.Equal(new HashSet<string> { Labelled, "other" }, after.LabelValues("dgproxy_sessions_active", "customer"));

        // Traffic: the records' own counts, split by kind.
        Assert.Equal(SumOf("frames_in"), Delta("dgproxy_frames_total", "direction=in"));
        Assert.Equal(SumOf("frames_out"), Delta("dgproxy_frames_total", "direction=out"));
        Assert.Equal(3 * AudioFrames, Delta("dgproxy_frames_total", "direction=in", "kind=binary"));
        Assert.Equal(3 * 2, Delta("dgproxy_frames_total", "direction=in", "kind=text")); // Settings, KeepAlive
        Assert.Equal(3, Delta("dgproxy_frames_total", "direction=in", "kind=control"));
        Assert.Equal(SumOf("bytes_in"), Delta("dgproxy_bytes_total", "direction=in"));
        Assert.Equal(SumOf("bytes_out"), Delta("dgproxy_bytes_total", "direction=out"));

        Assert.Equal(3, Delta("dgproxy_record_writes_total", "record=open", "result=ok"));
        Assert.Equal(3, Delta("dgproxy_record_writes_total", "record=final", "result=ok"));
        Assert.Equal(0, after.Sum("dgproxy_record_writes_total", "result=failed"));
        Assert.Equal(1, Delta("dgproxy_auth_failures_total", "reason=invalid_key"));
        Assert.Equal(1, Delta("dgproxy_admission_rejected_total", "reason=auth"));

        Assert.Equal(1, after.Sum("dgproxy_redis_up"));
        Assert.Equal(1, after.Sum("dgproxy_ready"));
        Assert.Equal(0, after.Sum("dgproxy_spool_pending_records"));
        Assert.Equal(500, after.Sum("dgproxy_sessions_limit"));

        // The framework's own meters ride along.
        Assert.True(after.Has("kestrel_active_connections"), "Kestrel metrics missing");
        Assert.True(after.Has("http_server_request_duration_seconds_count"), "ASP.NET Core metrics missing");
        Assert.Contains(after.MetricNames, n => n.StartsWith("dotnet_", StringComparison.Ordinal));

        // Only on the admin port.
        using var publicPort = new HttpClient { BaseAddress = proxy.ProxyUrl };
        Assert.Equal(HttpStatusCode.NotFound, (await publicPort.GetAsync("/metrics")).StatusCode);
    }
}
