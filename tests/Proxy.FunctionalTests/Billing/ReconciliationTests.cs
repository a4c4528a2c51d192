using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Billing;

/// <summary>
/// POST /admin/v1/reconcile through the real proxy: sessions run through the emulator (whose Welcome request id lands
/// in each record's deepgram_request_id), then Deepgram's requests list for them is uploaded – one of ours left out,
/// one unknown request added – and the report names exactly those, keeps itself as the last one and is counted.
/// </summary>
[Collection(GatewayTestGroup.Name)]
public sealed class ReconciliationTests
{
    private readonly GatewayFixture _gateway;

    public ReconciliationTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    private HttpClient Admin => _gateway.Proxy.Admin;

    [Fact]
    public async Task An_uploaded_requests_list_is_matched_with_the_records_and_the_last_report_is_kept()
    {
        const string customer = "reconcile-upload";
        var proxy = _gateway.Proxy;
        await proxy.PutCustomerAsync(customer);
        var (_, secret) = await proxy.IssueKeyAsync(customer);
        var records = new List<JsonElement>();
        for (var i = 0; i < 3; i++)
        {
            var (client, requestId) = await AgentTestClient.StartSessionAsync(proxy.AgentUrl(), secret);
            await using (client)
            {
                await client.SendBinaryAsync(640);
                await client.ReceiveBinaryAsync(1);
                await client.CloseAsync();
            }

            records.Add(await proxy.WaitForClosedRecordByRequestIdAsync(customer, requestId));
        }

        // Deepgram lists the first two sessions (the first with a duration 7 ms longer than ours, the second without
        // one) and a request we never saw; the third session is not in its list.
        var first = records[0];
        var extraRequestId = Guid.NewGuid().ToString();
        var firstDurationSeconds = (first.GetProperty("duration_ms").GetInt64() + 7) / 1000m;
        var upload = new JsonArray(
            Page(0, Request(first, firstDurationSeconds)),
            Page(1, Request(records[1], null), new JsonObject
            {
                ["request_id"] = extraRequestId,
                ["created"] = Instant(records[1].GetProperty("upstream_opened_at_ms").GetInt64() + 1),
                ["path"] = "/v1/agent/converse",
                ["api_key_id"] = "deepgram-key",
                ["response"] = new JsonObject(),
            }));
        var fromMs = first.GetProperty("upstream_opened_at_ms").GetInt64() - 60_000;
        var period = $"from={Uri.EscapeDataString(Instant(fromMs))}&to={Uri.EscapeDataString(Instant(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 60_000))}";

        using var response = await PostAsync($"{period}&customer={customer}", upload.ToJsonString());

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var report = JsonDocument.Parse(body).RootElement;
        Assert.Equal(2, report.GetProperty("matched").GetInt64());
        Assert.Equal([extraRequestId], Strings(report, "missing_in_records"));
        Assert.Equal([records[2].GetProperty("session_id").GetString()!], Strings(report, "missing_at_deepgram"));
        var drift = report.GetProperty("duration_drift_ms");
        Assert.Equal(7, drift.GetProperty("total").GetInt64());
        Assert.Equal(7, drift.GetProperty("max").GetInt64());
        Assert.Equal(1, drift.GetProperty("compared").GetInt64());
        Assert.Equal(customer, report.GetProperty("customer").GetString());
        Assert.Equal(3, report.GetProperty("records").GetInt64());
        Assert.Equal(3, report.GetProperty("deepgram_requests").GetInt64());

        using var last = await Admin.GetAsync(new Uri($"/admin/v1/reconcile/last?customer={customer}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, last.StatusCode);
        Assert.Equal("application/json", last.Content.Headers.ContentType?.MediaType);
        Assert.Equal(body, await last.Content.ReadAsStringAsync());

        var metrics = await proxy.ScrapeUntilAsync(s => s.Sum("dgproxy_reconciliation_runs_total", "result=mismatch") >= 1);
        Assert.True(metrics.Sum("dgproxy_reconciliation_runs_total", "result=mismatch") >= 1, metrics.Text);
        Assert.True(metrics.Has("dgproxy_reconciliation_missing"), metrics.Text);
        Assert.True(metrics.Has("dgproxy_reconciliation_drift_ms"), metrics.Text);
    }

    [Fact]
    public async Task Without_a_body_the_requests_list_is_fetched_from_deepgrams_management_api_when_configured()
    {
        const string customer = "reconcile-fetch";
        await using var proxy = await ProxyServer.StartAsync(_gateway.Redis.Configuration, _gateway.Emulator.WebSocketUrl, new Dictionary<string, string>
        {
            ["Deepgram:ApiUrl"] = _gateway.Emulator.BaseUrl.ToString(),
            ["Deepgram:ProjectId"] = "emulator-project",
            ["Deepgram:ManagementKey"] = EmulatorServer.DefaultApiKey,
        });
        var (_, secret) = await proxy.IssueKeyAsync(customer);
        var sessionIds = new List<string>();
        var requestIds = new List<string>();
        long firstOpenMs = 0;
        for (var i = 0; i < 2; i++)
        {
            var (client, requestId) = await AgentTestClient.StartSessionAsync(proxy.AgentUrl(), secret);
            await using (client)
            {
                await client.CloseAsync();
            }

            var record = await proxy.WaitForClosedRecordByRequestIdAsync(customer, requestId);
            await _gateway.Emulator.WaitForClosedConnectionAsync(requestId);
            firstOpenMs = firstOpenMs == 0 ? record.GetProperty("upstream_opened_at_ms").GetInt64() : firstOpenMs;
            sessionIds.Add(record.GetProperty("session_id").GetString()!);
            requestIds.Add(requestId);
        }

        var period = $"from={Uri.EscapeDataString(Instant(firstOpenMs - 1_000))}&to={Uri.EscapeDataString(Instant(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 60_000))}";
        using var content = new StringContent(string.Empty);
        using var response = await proxy.Admin.PostAsync(new Uri($"/admin/v1/reconcile?{period}&customer={customer}", UriKind.Relative), content);

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var report = JsonDocument.Parse(body).RootElement;
        Assert.Equal(2, report.GetProperty("matched").GetInt64());
        Assert.Empty(Strings(report, "missing_at_deepgram"));

        // The emulator serves every test's connections: others' requests are "missing" for this customer, ours are not.
        Assert.DoesNotContain(Strings(report, "missing_in_records"), requestIds.Contains);
        Assert.Equal(2, report.GetProperty("duration_drift_ms").GetProperty("compared").GetInt64());
    }

    [Fact]
    public async Task A_management_key_deepgram_refuses_gets_502_saying_so()
    {
        await using var proxy = await ProxyServer.StartAsync(_gateway.Redis.Configuration, _gateway.Emulator.WebSocketUrl, new Dictionary<string, string>
        {
            ["Deepgram:ApiUrl"] = _gateway.Emulator.BaseUrl.ToString(),
            ["Deepgram:ProjectId"] = "emulator-project",
            ["Deepgram:ManagementKey"] = "not-a-deepgram-key",
        });

        using var content = new StringContent(string.Empty);
        using var response = await proxy.Admin.PostAsync(new Uri("/admin/v1/reconcile?from=2026-12-01&to=2026-12-01", UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("deepgram_management_refused", body.GetProperty("error").GetString());
        Assert.Contains("refused Deepgram:ManagementKey (401)", body.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("not-a-deepgram-key", body.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_over_all_customers_is_kept_as_the_global_last_report()
    {
        // A period long before any test's sessions: nothing of ours, one request of Deepgram's.
        using var response = await PostAsync(
            "from=2020-01-01&to=2020-01-01",
            """{"page":0,"limit":10,"requests":[{"request_id":"r-2020","created":"2020-01-01T12:00:00Z","path":"/v1/agent/converse","api_key_id":"k","response":{"details":{"duration":3.5}}}]}""");

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var report = JsonDocument.Parse(body).RootElement;
        Assert.Equal(0, report.GetProperty("matched").GetInt64());
        Assert.Equal(["r-2020"], Strings(report, "missing_in_records"));
        Assert.Empty(Strings(report, "missing_at_deepgram"));
        Assert.False(report.TryGetProperty("customer", out _));
        Assert.Equal("2020-01-01T00:00:00.000Z", report.GetProperty("from").GetString());
        Assert.Equal("2020-01-02T00:00:00.000Z", report.GetProperty("to").GetString());

        using var last = await Admin.GetAsync(new Uri("/admin/v1/reconcile/last", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, last.StatusCode);
        Assert.Equal("2020-01-01T00:00:00.000Z", (await last.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("from").GetString());

        using var none = await Admin.GetAsync(new Uri("/admin/v1/reconcile/last?customer=reconcile-never-run", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
    }

    [Theory]
    [InlineData("""{"page":0,"requests":[{"request_id":"a","created":"2026-12-01T10:00:00Z"},{"created":"2026-12-01T10:00:00Z"}]}""", "invalid_requests_list", "requests[1].request_id is missing")]
    [InlineData("[{\"requests\":[]},\n{\"requests\":[{\"request_id\":\"a\",\"created\":\"soon\"}]}]", "invalid_requests_list", "[1].requests[0].created must be an ISO-8601 instant")]
    [InlineData("{\"requests\":[\n{\"request_id\": }]}", "invalid_requests_list", "line 2")]
    [InlineData("", "body_required", "Upload Deepgram's requests list")]
    public async Task A_bad_or_missing_body_gets_400_naming_the_problem(string json, string error, string inMessage)
    {
        using var response = await PostAsync("from=2026-12-01&to=2026-12-01", json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(error, body.GetProperty("error").GetString());
        Assert.Contains(inMessage, body.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("to=2026-12-01", "missing_from")]
    [InlineData("from=2026-12-01&to=2027-01-15", "invalid_range")]
    [InlineData("from=2026-12-02&to=2026-12-01", "invalid_range")]
    public async Task A_bad_period_gets_400(string query, string error)
    {
        using var response = await PostAsync(query, """{"requests":[]}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(error, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task An_unknown_customer_gets_404()
    {
        using var response = await PostAsync("from=2026-12-01&to=2026-12-01&customer=reconcile-nobody", """{"requests":[]}""");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private async Task<HttpResponseMessage> PostAsync(string query, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        return await Admin.PostAsync(new Uri("/admin/v1/reconcile?" + query, UriKind.Relative), content);
    }

    private static JsonObject Page(int page, params JsonObject[] requests) => new()
    {
        ["page"] = page,
        ["limit"] = 10,
        ["requests"] = new JsonArray(requests),
    };

    private static JsonObject Request(JsonElement record, decimal? durationSeconds)
    {
        var details = new JsonObject { ["usd"] = 0.01, ["method"] = "streaming" };
        if (durationSeconds is { } seconds)
        {
            details["duration"] = seconds;
        }

        return new JsonObject
        {
            ["request_id"] = record.GetProperty("deepgram_request_id").GetString(),
            ["project_uuid"] = "project",
            ["created"] = Instant(record.GetProperty("upstream_opened_at_ms").GetInt64()),
            ["path"] = "/v1/agent/converse",
            ["api_key_id"] = "deepgram-key",
            ["response"] = new JsonObject { ["details"] = details, ["code"] = 200 },
        };
    }

    private static string Instant(long unixMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMs).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static List<string> Strings(JsonElement report, string name) =>
        [.. report.GetProperty(name).EnumerateArray().Select(e => e.GetString()!)];
}
