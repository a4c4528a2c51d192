using System.Globalization;
using System.Net;
using System.Text.Json;
using Proxy.FunctionalTests.Emulator;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Billing;

/// <summary>
/// Reconciliation with Deepgram's management API as it runs for real: a proxy on a short schedule reconciles on its
/// own (GET /admin/v1/reconcile/last shows the scheduled window with our session matched), and with the emulator's
/// management faults the on-demand run retries what is safe to retry, or answers the admin a precise error.
/// </summary>
[Collection(GatewayTestGroup.Name)]
public sealed class ScheduledReconciliationTests
{
    private const string FaultsPath = "/emulator/v1/management-faults";
    private const string ServedPath = "/emulator/v1/management-requests";
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);

    private readonly GatewayFixture _gateway;

    public ScheduledReconciliationTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task A_proxy_on_a_schedule_reconciles_on_its_own_and_the_last_report_shows_the_window_with_the_session_matched()
    {
        const string customer = "reconcile-scheduled";
        // Its own key prefix: the schedule's kept window end and lock, and a record set holding only this test's session.
        await using var proxy = await StartProxyAsync(new Dictionary<string, string>
        {
            ["Redis:KeyPrefix"] = $"sched{Guid.NewGuid():N}:",
            ["Deepgram:ReconcileEvery"] = "00:00:03",
            ["Deepgram:ReconcileLag"] = "00:00:05",
        });
        var (_, secret) = await proxy.IssueKeyAsync(customer);
        var (client, requestId) = await AgentTestClient.StartSessionAsync(proxy.AgentUrl(), secret);
        await using (client)
        {
            await client.CloseAsync();
        }

        var record = await proxy.WaitForClosedRecordByRequestIdAsync(customer, requestId);
        await _gateway.Emulator.WaitForClosedConnectionAsync(requestId);
        var openMs = record.GetProperty("upstream_opened_at_ms").GetInt64();

        // Each run replaces the last report; collect them until the window holding the session's open was seen.
        var seen = new Dictionary<string, JsonElement>();
        JsonElement? holding = null;
        var deadline = DateTime.UtcNow + Within;
        while (holding is null && DateTime.UtcNow < deadline)
        {
            using var response = await proxy.Admin.GetAsync(new Uri("/admin/v1/reconcile/last", UriKind.Relative));
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var report = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
                seen[report.GetProperty("from").GetString()!] = report;
                if (Ms(report, "from") <= openMs && openMs < Ms(report, "to"))
                {
                    holding = report;
                }
            }

            await Task.Delay(100);
        }

        Assert.True(holding is not null, $"no scheduled report covered {openMs}; seen: {string.Join(", ", seen.Keys)}");
        var found = holding.Value;
        Assert.Equal("scheduled", found.GetProperty("trigger").GetString());
        Assert.False(found.TryGetProperty("customer", out _));
        Assert.Equal(1, found.GetProperty("matched").GetInt64());
        Assert.Equal(1, found.GetProperty("records").GetInt64());
        Assert.Empty(found.GetProperty("missing_at_deepgram").EnumerateArray());
        Assert.DoesNotContain(requestId, found.GetProperty("missing_in_records").EnumerateArray().Select(e => e.GetString()));
        Assert.True(Ms(found, "to") <= Ms(found, "ran_at_ms") - 5_000, "the window ends the lag before the run");

        // Windows follow each other: none overlaps another.
        var windows = seen.Values.Select(r => (From: Ms(r, "from"), To: Ms(r, "to"))).OrderBy(w => w.From).ToList();
        Assert.All(windows.Zip(windows.Skip(1)), pair => Assert.True(pair.First.To <= pair.Second.From, $"{pair.First} overlaps {pair.Second}"));

        var metrics = await proxy.ScrapeUntilAsync(s => s.Sum("dgproxy_reconciliation_runs_total", "trigger=scheduled") >= 1);
        Assert.True(metrics.Sum("dgproxy_reconciliation_runs_total", "trigger=scheduled") >= 1, metrics.Text);
        Assert.Equal(0, metrics.Sum("dgproxy_reconciliation_runs_total", "trigger=scheduled", "result=failed"));
    }

    [Fact]
    public async Task Deepgram_failing_the_requests_list_twice_is_retried_and_the_on_demand_run_succeeds()
    {
        await using var proxy = await StartProxyAsync();
        var before = await LastServedSeqAsync();
        await AddFaultAsync("""{"status":503,"count":2,"path_contains":"/requests","method":"GET"}""");
        try
        {
            using var response = await ReconcileAsync(proxy);

            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, body);
            Assert.Equal("on_demand", JsonDocument.Parse(body).RootElement.GetProperty("trigger").GetString());
            var served = await ServedSinceAsync(before);
            Assert.Equal([true, true, false], served.Select(s => s.GetProperty("fault").GetBoolean()));
            Assert.Equal([503, 503, 200], served.Select(s => s.GetProperty("status").GetInt32()));
            var metrics = await proxy.ScrapeAsync();
            Assert.Equal(2, metrics.Sum("dgproxy_deepgram_management_requests_total", "outcome=server_error"));
            Assert.Equal(1, metrics.Sum("dgproxy_deepgram_management_requests_total", "outcome=ok"));
        }
        finally
        {
            await ClearFaultsAsync();
        }
    }

    [Fact]
    public async Task Deepgram_failing_every_try_gets_502_deepgram_unavailable_saying_how_many_times()
    {
        await using var proxy = await StartProxyAsync(new Dictionary<string, string> { ["Deepgram:MaxAttempts"] = "2" });
        var before = await LastServedSeqAsync();
        await AddFaultAsync("""{"status":502,"count":10,"path_contains":"/requests"}""");
        try
        {
            using var response = await ReconcileAsync(proxy);

            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("deepgram_unavailable", body.GetProperty("error").GetString());
            Assert.Equal("Deepgram answered 502, 2 times: try again later, or upload the requests list.", body.GetProperty("message").GetString());
            Assert.Equal(2, (await ServedSinceAsync(before)).Count);
            var metrics = await proxy.ScrapeAsync();
            Assert.Equal(1, metrics.Sum("dgproxy_reconciliation_runs_total", "result=failed", "trigger=on_demand"));
        }
        finally
        {
            await ClearFaultsAsync();
        }
    }

    [Fact]
    public async Task Deepgram_rate_limiting_beyond_the_retry_budget_gets_503_deepgram_rate_limited_with_its_retry_after_at_once()
    {
        await using var proxy = await StartProxyAsync();
        var before = await LastServedSeqAsync();
        await AddFaultAsync("""{"status":429,"count":1,"retry_after_seconds":120,"path_contains":"/requests"}""");
        try
        {
            using var response = await ReconcileAsync(proxy);

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(120), response.Headers.RetryAfter?.Delta);
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("deepgram_rate_limited", body.GetProperty("error").GetString());
            Assert.Contains("try again in 120 s", body.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Single(await ServedSinceAsync(before));
        }
        finally
        {
            await ClearFaultsAsync();
        }
    }

    [Fact]
    public async Task Deepgram_rate_limiting_within_the_budget_is_waited_for_and_retried()
    {
        await using var proxy = await StartProxyAsync();
        var before = await LastServedSeqAsync();
        await AddFaultAsync("""{"status":429,"count":1,"retry_after_seconds":1,"path_contains":"/requests"}""");
        try
        {
            using var response = await ReconcileAsync(proxy);

            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, body);
            var served = await ServedSinceAsync(before);
            Assert.Equal([429, 200], served.Select(s => s.GetProperty("status").GetInt32()));
            Assert.True(served[1].GetProperty("at_ms").GetInt64() - served[0].GetProperty("at_ms").GetInt64() >= 1_000, "the retry came before Retry-After");
        }
        finally
        {
            await ClearFaultsAsync();
        }
    }

    private Task<ProxyServer> StartProxyAsync(Dictionary<string, string>? settings = null)
    {
        var all = new Dictionary<string, string>
        {
            ["Deepgram:ApiUrl"] = _gateway.Emulator.BaseUrl.ToString(),
            ["Deepgram:ProjectId"] = EmulatorManagementClient.ProjectId,
            ["Deepgram:ManagementKey"] = EmulatorServer.DefaultApiKey,
        };
        foreach (var (key, value) in settings ?? [])
        {
            all[key] = value;
        }

        return ProxyServer.StartAsync(_gateway.Redis.Configuration, _gateway.Emulator.WebSocketUrl, all);
    }

    private static async Task<HttpResponseMessage> ReconcileAsync(ProxyServer proxy)
    {
        // A period long before any session: the point is how Deepgram's answers are handled.
        using var content = new StringContent(string.Empty);
        return await proxy.Admin.PostAsync(new Uri("/admin/v1/reconcile?from=2020-01-01&to=2020-01-01", UriKind.Relative), content);
    }

    private async Task AddFaultAsync(string json)
    {
        var added = await _gateway.Emulator.SendAsync(HttpMethod.Post, FaultsPath, json: json);
        Assert.True(added.Status == HttpStatusCode.Created, added.Text);
    }

    private async Task ClearFaultsAsync() => await _gateway.Emulator.SendAsync(HttpMethod.Delete, FaultsPath);

    private async Task<long> LastServedSeqAsync()
    {
        var served = await _gateway.Emulator.SendAsync(HttpMethod.Get, ServedPath);
        return served.Body.EnumerateArray().Select(e => e.GetProperty("seq").GetInt64()).DefaultIfEmpty(0).Max();
    }

    /// <summary>The requests-list calls the emulator served after <paramref name="seq"/>, oldest first.</summary>
    private async Task<List<JsonElement>> ServedSinceAsync(long seq)
    {
        var served = await _gateway.Emulator.SendAsync(HttpMethod.Get, ServedPath);
        return
        [
            .. served.Body.EnumerateArray()
                .Where(e => e.GetProperty("seq").GetInt64() > seq && e.GetProperty("path").GetString()!.EndsWith("/requests", StringComparison.Ordinal)),
        ];
    }

    private static long Ms(JsonElement report, string name) => report.GetProperty(name).ValueKind == JsonValueKind.Number
        ? report.GetProperty(name).GetInt64()
        : DateTimeOffset.Parse(report.GetProperty(name).GetString()!, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
}
