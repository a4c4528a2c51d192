using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Telemetry;

/// <summary>The Grafana dashboard only queries what the proxy really exports.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed partial class DashboardTests
{
    private readonly GatewayFixture _gateway;

    public DashboardTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task Every_panel_query_names_a_metric_the_proxy_exports()
    {
        var path = Path.Combine(RepositoryPaths.Root, "deploy", "grafana", "dgproxy-dashboard.json");
        using var dashboard = JsonDocument.Parse(File.ReadAllText(path));
        // A row only groups the panels below it: it has no query.
        var panels = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .Where(p => p.GetProperty("type").GetString() != "row").ToList();
        Assert.NotEmpty(panels);
        var queries = new List<(string Panel, string Expr)>();
        foreach (var panel in panels)
        {
            var title = panel.GetProperty("title").GetString()!;
            var targets = panel.GetProperty("targets").EnumerateArray().ToList();
            Assert.True(targets.Count > 0, $"panel '{title}' has no query");
            foreach (var target in targets)
            {
                var expr = target.GetProperty("expr").GetString();
                Assert.False(string.IsNullOrWhiteSpace(expr), $"panel '{title}' has an empty query");
                queries.Add((title, expr!));
            }
        }

        // A proxy that has done a bit of everything, so that every instrument has reported at least once.
        await using var proxy = await _gateway.StartProxyAsync(settings: GatewayFixture.ShortSessionControl);
        await ExerciseAsync(proxy);
        var scrape = await proxy.ScrapeUntilAsync(s =>
            s.Has("dgproxy_forced_closes_total") && s.Has("dgproxy_protocol_violations_total") && s.Has("dgproxy_cost_micros_total"));
        File.WriteAllText(Path.Combine(AppContext.BaseDirectory, "metrics-exercised.txt"), scrape.Text);
        var exported = scrape.MetricNames.ToHashSet(StringComparer.Ordinal);

        foreach (var (panel, expr) in queries)
        {
            var names = MetricName().Matches(expr).Select(m => m.Value).ToList();
            Assert.True(names.Count > 0 || expr.Contains("up{job=\"dgproxy\"", StringComparison.Ordinal), $"panel '{panel}': '{expr}' names no dgproxy metric");
            foreach (var name in names)
            {
                Assert.True(exported.Contains(name), $"panel '{panel}' queries {name}, which the proxy does not export");
            }
        }
    }

    /// <summary>A session rated under a plan, a failed key check, an idle close with its warning, a protocol
    /// violation and a reconciliation.</summary>
    private static async Task ExerciseAsync(ProxyServer proxy)
    {
        using (var plan = await proxy.Admin.PutAsJsonAsync(new Uri("/admin/v1/plans/dashboard-plan", UriKind.Relative), new { currency = "USD", per_session_micros = 10_000 }))
        {
            Assert.True(plan.IsSuccessStatusCode, await plan.Content.ReadAsStringAsync());
        }

        var (_, secret) = await proxy.IssueKeyAsync("dashboard");
        await proxy.PutCustomerAsync("dashboard", new { plan = "dashboard-plan" });
        var client = await AgentTestClient.ConnectWithHeaderAsync(proxy.AgentUrl(), secret);
        await using (client)
        {
            await client.ReceiveJsonAsync("Welcome");
            await client.SendBinaryAsync(640);
            var seen = await client.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(10));
            Assert.True(seen.Closed);
        }

        var refused = await Gateway.AdmissionTests.RawUpgradeAsync(
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Token dgpk_wrong\r\n", proxy.ProxyUrl);
        Assert.StartsWith("HTTP/1.1 401", refused, StringComparison.Ordinal);

        // A reconciliation, whose gauges exist only once one ran.
        using (var upload = new StringContent("""{"requests":[{"request_id":"dashboard-r","created":"2020-01-01T10:00:00Z"}]}""", System.Text.Encoding.UTF8, "application/json"))
        using (var reconciled = await proxy.Admin.PostAsync(new Uri("/admin/v1/reconcile?from=2020-01-01&to=2020-01-01&customer=dashboard", UriKind.Relative), upload))
        {
            Assert.True(reconciled.IsSuccessStatusCode, await reconciled.Content.ReadAsStringAsync());
        }

        await using var raw = await RawWebSocketClient.ConnectAsync(proxy.ProxyUrl, secret);
        await raw.ReadFrameAsync(TimeSpan.FromSeconds(10));
        await raw.SendRawAsync([0x82, 0x01, 0x00]);
        Assert.Equal(1002, await raw.ReadUntilCloseAsync(TimeSpan.FromSeconds(10)));
    }

    // Metric names in PromQL: dgproxy_* (and `up`, which Prometheus makes itself).
    [GeneratedRegex(@"\bdgproxy_[a-z_]+\b")]
    private static partial Regex MetricName();
}
