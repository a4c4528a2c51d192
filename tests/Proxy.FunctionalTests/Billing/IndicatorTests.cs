using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Billing;

/// <summary>Outcome indicators through the real proxy: posted during the call or after it, priced once by the plan
/// version that rated the session, visible in the record, the day's usage, the billing feed and the metrics.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class IndicatorTests
{
    private const string Metric = "dgproxy_indicators_total";

    private readonly GatewayFixture _gateway;

    public IndicatorTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task An_indicator_posted_twice_costs_once_and_another_value_is_a_conflict()
    {
        var proxy = _gateway.Proxy;
        const string Customer = "indicator-priced";
        await PutAsync(proxy, "/admin/v1/plans/indicator-plan", new
        {
            currency = "USD",
            per_session_micros = 100_000,
            indicators = new { lead_qualified = new { flat_micros = 200_000 } },
        });
        var (_, secret) = await proxy.IssueKeyAsync(Customer);
        await PutAsync(proxy, $"/admin/v1/customers/{Customer}", new { plan = "indicator-plan" });
        var metrics = await proxy.ScrapeAsync();

        var (client, requestId) = await StartSessionAsync(proxy, secret, "call-77");
        await using (client)
        {
            await client.CloseAsync();
        }

        var record = await proxy.WaitForClosedRecordByRequestIdAsync(Customer, requestId);
        var sessionId = record.GetProperty("session_id").GetString()!;
        Assert.Equal((100_000L, 1L), (record.GetProperty("cost_micros").GetInt64(), record.GetProperty("record_version").GetInt64()));

        var created = await PostAsync(proxy, $"/admin/v1/sessions/{sessionId}/indicators", """{"name":"lead_qualified","value":1}""");
        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.Equal((200_000L, 2L), (created.Body.GetProperty("fee_micros").GetInt64(), created.Body.GetProperty("record_version").GetInt64()));

        // By the client session route: the same name and value again is 200 and costs nothing more.
        var repeated = await PostAsync(proxy, $"/admin/v1/customers/{Customer}/client-sessions/call-77/indicators", """{"name":"lead_qualified","value":1.0}""");
        Assert.Equal(HttpStatusCode.OK, repeated.Status);
        Assert.Equal((sessionId, 200_000L), (repeated.Body.GetProperty("session_id").GetString()!, repeated.Body.GetProperty("fee_micros").GetInt64()));

        var conflict = await PostAsync(proxy, $"/admin/v1/sessions/{sessionId}/indicators", """{"name":"lead_qualified","value":2}""");
        Assert.Equal((HttpStatusCode.Conflict, "indicator_conflict"), (conflict.Status, conflict.Body.GetProperty("error").GetString()));

        // An indicator the plan does not price is recorded at no cost.
        Assert.Equal(HttpStatusCode.Created, (await PostAsync(proxy, $"/admin/v1/sessions/{sessionId}/indicators", """{"name":"csat","value":4.5}""")).Status);

        var stored = await proxy.Admin.GetFromJsonAsync<JsonElement>(new Uri($"/admin/v1/sessions/{sessionId}", UriKind.Relative));
        Assert.Equal((300_000L, 3L), (stored.GetProperty("cost_micros").GetInt64(), stored.GetProperty("record_version").GetInt64()));
        var lead = stored.GetProperty("indicators").GetProperty("lead_qualified");
        Assert.Equal((1m, 200_000L), (lead.GetProperty("value").GetDecimal(), lead.GetProperty("fee_micros").GetInt64()));
        Assert.Equal((4.5m, 0L), (stored.GetProperty("indicators").GetProperty("csat").GetProperty("value").GetDecimal(), stored.GetProperty("indicators").GetProperty("csat").GetProperty("fee_micros").GetInt64()));
        Assert.Equal(200_000L, stored.GetProperty("cost_parts").GetProperty("indicator_fees").GetProperty("lead_qualified").GetInt64());

        var day = DateTimeOffset.FromUnixTimeMilliseconds(stored.GetProperty("upstream_opened_at_ms").GetInt64()).UtcDateTime;
        var usage = (await _gateway.Redis.Database.HashGetAllAsync($"dgp:{{{Customer}}}:usage:{day:yyyy-MM-dd}")).ToDictionary(e => (string)e.Name!, e => (string)e.Value!);
        Assert.Equal(("300000", "1", "200000", "1"), (usage["cost_micros"], usage["indicator:lead_qualified:count"], usage["indicator:lead_qualified:fee_micros"], usage["indicator:csat:count"]));
        var month = (await _gateway.Redis.Database.HashGetAllAsync($"dgp:{{{Customer}}}:usage-month:{day:yyyy-MM}")).ToDictionary(e => (string)e.Name!, e => (string)e.Value!);
        Assert.Equal("300000", month["cost_micros"]);

        // Every version is on the billing feed (at least once; versions 2 and 3 carry the indicators).
        var versions = await StreamedVersionsAsync(sessionId, atLeast: 3);
        Assert.Equal([1L, 2L, 3L], versions.Distinct().Order());

        var after = await proxy.ScrapeUntilAsync(s => s.Sum(Metric, "result=conflict") > metrics.Sum(Metric, "result=conflict"));
        Assert.Equal(2, after.Sum(Metric, "result=created") - metrics.Sum(Metric, "result=created"));
        Assert.Equal(1, after.Sum(Metric, "result=repeated") - metrics.Sum(Metric, "result=repeated"));
        Assert.Equal(1, after.Sum(Metric, "result=conflict") - metrics.Sum(Metric, "result=conflict"));
    }

    [Fact]
    public async Task An_indicator_posted_during_the_call_is_on_the_final_record_priced_once_and_a_repeat_after_the_close_changes_nothing()
    {
        var proxy = _gateway.Proxy;
        const string Customer = "indicator-live";
        await PutAsync(proxy, "/admin/v1/plans/indicator-live-plan", new
        {
            currency = "USD",
            per_session_micros = 100_000,
            indicators = new { lead_qualified = new { flat_micros = 200_000 } },
        });
        var (_, secret) = await proxy.IssueKeyAsync(Customer);
        await PutAsync(proxy, $"/admin/v1/customers/{Customer}", new { plan = "indicator-live-plan" });

        // Paygent's set_voice_indicator during the call: recorded on the open record, priced by the plan in force.
        var (client, requestId) = await StartSessionAsync(proxy, secret, "call-live");
        string sessionId;
        await using (client)
        {
            sessionId = (await proxy.WaitForOpenRecordAsync(Customer)).GetProperty("session_id").GetString()!;
            var created = await PostAsync(proxy, $"/admin/v1/sessions/{sessionId}/indicators", """{"name":"lead_qualified","value":1}""");
            Assert.True(created.Status == HttpStatusCode.Created, $"{created.Status} {created.Body}");
            Assert.Equal(200_000L, created.Body.GetProperty("fee_micros").GetInt64());
            Assert.False(created.Body.TryGetProperty("record_version", out _), created.Body.GetRawText());
            var repeated = await PostAsync(proxy, $"/admin/v1/customers/{Customer}/client-sessions/call-live/indicators", """{"name":"lead_qualified","value":1}""");
            Assert.Equal((HttpStatusCode.OK, sessionId), (repeated.Status, repeated.Body.GetProperty("session_id").GetString()));
            var conflict = await PostAsync(proxy, $"/admin/v1/sessions/{sessionId}/indicators", """{"name":"lead_qualified","value":2}""");
            Assert.Equal((HttpStatusCode.Conflict, "indicator_conflict"), (conflict.Status, conflict.Body.GetProperty("error").GetString()));
            await client.CloseAsync();
        }

        // The final record took it and was rated with it: the flat fee plus the lead, in one version.
        var record = await proxy.WaitForClosedRecordByRequestIdAsync(Customer, requestId);
        Assert.Equal((300_000L, 1L), (record.GetProperty("cost_micros").GetInt64(), record.GetProperty("record_version").GetInt64()));
        var lead = record.GetProperty("indicators").GetProperty("lead_qualified");
        Assert.Equal((1m, 200_000L), (lead.GetProperty("value").GetDecimal(), lead.GetProperty("fee_micros").GetInt64()));
        Assert.Equal(200_000L, record.GetProperty("cost_parts").GetProperty("indicator_fees").GetProperty("lead_qualified").GetInt64());

        // The same again after the close: 200, and nothing counted twice.
        var again = await PostAsync(proxy, $"/admin/v1/sessions/{sessionId}/indicators", """{"name":"lead_qualified","value":1}""");
        Assert.Equal((HttpStatusCode.OK, 200_000L, 1L), (again.Status, again.Body.GetProperty("fee_micros").GetInt64(), again.Body.GetProperty("record_version").GetInt64()));

        var stored = await proxy.Admin.GetFromJsonAsync<JsonElement>(new Uri($"/admin/v1/sessions/{sessionId}", UriKind.Relative));
        Assert.Equal((300_000L, 1L), (stored.GetProperty("cost_micros").GetInt64(), stored.GetProperty("record_version").GetInt64()));
        var day = DateTimeOffset.FromUnixTimeMilliseconds(stored.GetProperty("upstream_opened_at_ms").GetInt64()).UtcDateTime;
        foreach (var key in new[] { $"dgp:{{{Customer}}}:usage:{day:yyyy-MM-dd}", $"dgp:{{{Customer}}}:usage-month:{day:yyyy-MM}" })
        {
            var usage = (await _gateway.Redis.Database.HashGetAllAsync(key)).ToDictionary(e => (string)e.Name!, e => (string)e.Value!);
            Assert.Equal(("1", "300000", "1", "200000"), (usage["sessions"], usage["cost_micros"], usage["indicator:lead_qualified:count"], usage["indicator:lead_qualified:fee_micros"]));
        }

        var report = await proxy.Admin.GetFromJsonAsync<JsonElement>(new Uri($"/admin/v1/usage?customer={Customer}&from={day:yyyy-MM-dd}&to={day:yyyy-MM-dd}", UriKind.Relative));
        Assert.Equal((1L, 300_000L), (report.GetProperty("total").GetProperty("sessions").GetInt64(), report.GetProperty("total").GetProperty("cost_micros").GetInt64()));
        var invoice = await proxy.Admin.GetFromJsonAsync<JsonElement>(new Uri($"/admin/v1/customers/{Customer}/invoices/{day:yyyy-MM}", UriKind.Relative));
        var line = Assert.Single(invoice.GetProperty("lines").EnumerateArray(), l => l.GetProperty("kind").GetString() == "indicator");
        Assert.Equal((1L, 200_000L), (line.GetProperty("quantity").GetInt64(), line.GetProperty("amount_micros").GetInt64()));

        // One version on the billing feed: the indicator came with the final record.
        Assert.Equal([1L], (await StreamedVersionsAsync(sessionId, atLeast: 1)).Distinct());
    }

    [Fact]
    public async Task A_measurement_replacing_the_reapers_estimate_keeps_the_indicators_posted_during_the_call_and_on_the_estimate()
    {
        const string Customer = "indicator-partitioned";

        // NetworkPartitionTests' setup: the owner reaches Redis through a relay that is cut; the survivor reaps.
        var reaperSettings = new Dictionary<string, string>(GatewayFixture.ShortSessionControl) { ["Storage:ReaperInterval"] = "00:00:01" };
        await using var survivor = await _gateway.StartProxyAsync(settings: reaperSettings);
        await using var relay = TcpRelay.To(_gateway.Redis.Port);
        var ownerSettings = new Dictionary<string, string>(GatewayFixture.ShortSessionControl) { ["Redis:Configuration"] = $"127.0.0.1:{relay.Port}" };
        await using var owner = await _gateway.StartProxyAsync(settings: ownerSettings);

        // $0.60 a minute (10 micros a ms), a booking $0.10, a qualified lead $0.20.
        await PutAsync(survivor, "/admin/v1/plans/indicator-partition-plan", new
        {
            currency = "USD",
            per_minute_micros = 600_000,
            indicators = new { booked = new { flat_micros = 100_000 }, lead_qualified = new { flat_micros = 200_000 } },
        });
        var (_, secret) = await owner.IssueKeyAsync(Customer);
        await PutAsync(survivor, $"/admin/v1/customers/{Customer}", new { plan = "indicator-partition-plan" });
        await owner.PatchSettingsAsync(Customer, new { idle_timeout_ms = 0 });

        var (client, requestId) = await AgentTestClient.StartSessionAsync(owner.AgentUrl(), secret);
        var audio = client.StreamAudio(TimeSpan.FromMilliseconds(40));
        var sessionId = (await survivor.WaitForOpenRecordAsync(Customer)).GetProperty("session_id").GetString()!;
        var booked = await PostAsync(survivor, $"/admin/v1/sessions/{sessionId}/indicators", """{"name":"booked","value":1}""");
        Assert.Equal(HttpStatusCode.Created, booked.Status);

        // A heartbeat (1 s here) puts a last sign of life on the open record, then the partition and the estimate.
        await Task.Delay(1500);
        relay.Cut();
        var estimate = (await survivor.WaitForClosedRecordsAsync(Customer, 1, TimeSpan.FromSeconds(30))).Single();
        Assert.True(estimate.GetProperty("estimated").GetBoolean());
        Assert.Equal(100_000L, estimate.GetProperty("cost_parts").GetProperty("indicator_fees").GetProperty("booked").GetInt64());
        var lead = await PostAsync(survivor, $"/admin/v1/sessions/{sessionId}/indicators", """{"name":"lead_qualified","value":1}""");
        Assert.Equal((HttpStatusCode.Created, 2L), (lead.Status, lead.Body.GetProperty("record_version").GetInt64()));

        // The owner measures the whole call and finalizes it after the partition heals.
        await audio.DisposeAsync();
        relay.Restore();
        await client.CloseAsync();
        await client.DisposeAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        JsonElement record;
        while ((record = await survivor.Admin.GetFromJsonAsync<JsonElement>(new Uri($"/admin/v1/sessions/{sessionId}", UriKind.Relative))).GetProperty("estimated").GetBoolean())
        {
            Assert.True(DateTime.UtcNow < deadline, record.GetRawText());
            await Task.Delay(100);
        }

        Assert.Equal((3L, "client_closed", requestId), (record.GetProperty("record_version").GetInt64(), record.GetProperty("close_reason").GetString(), record.GetProperty("deepgram_request_id").GetString()));
        Assert.True(record.GetProperty("rated_ms").GetInt64() > estimate.GetProperty("rated_ms").GetInt64(), $"measured {record.GetRawText()} estimated {estimate.GetRawText()}");

        // Both indicators as posted (value and instant), and the measured rating plus both fees.
        foreach (var (name, posted, fee) in new[] { ("booked", booked.Body, 100_000L), ("lead_qualified", lead.Body, 200_000L) })
        {
            var kept = record.GetProperty("indicators").GetProperty(name);
            Assert.Equal((1m, fee, posted.GetProperty("at_ms").GetInt64()), (kept.GetProperty("value").GetDecimal(), kept.GetProperty("fee_micros").GetInt64(), kept.GetProperty("at_ms").GetInt64()));
            Assert.Equal(fee, record.GetProperty("cost_parts").GetProperty("indicator_fees").GetProperty(name).GetInt64());
        }

        var cost = record.GetProperty("cost_micros").GetInt64();
        Assert.Equal((10 * record.GetProperty("rated_ms").GetInt64()) + 300_000, cost);

        // The books hold the measurement once: the estimate and its indicator post were taken back out.
        var day = DateTimeOffset.FromUnixTimeMilliseconds(record.GetProperty("upstream_opened_at_ms").GetInt64()).UtcDateTime;
        var month = (await _gateway.Redis.Database.HashGetAllAsync($"dgp:{{{Customer}}}:usage-month:{day:yyyy-MM}")).ToDictionary(e => (string)e.Name!, e => (string)e.Value!);
        Assert.Equal(
            ("1", cost.ToString(System.Globalization.CultureInfo.InvariantCulture), "1", "100000", "1", "200000"),
            (month["sessions"], month["cost_micros"], month["indicator:booked:count"], month["indicator:booked:fee_micros"], month["indicator:lead_qualified:count"], month["indicator:lead_qualified:fee_micros"]));
        Assert.Equal([1L, 2L, 3L], (await StreamedVersionsAsync(sessionId, atLeast: 3)).Distinct().Order());
    }

    [Fact]
    public async Task Unknown_sessions_another_customers_session_and_bad_bodies_are_refused()
    {
        var proxy = _gateway.Proxy;
        var (_, secret) = await proxy.IssueKeyAsync("indicator-owner");
        await proxy.IssueKeyAsync("indicator-other");
        var (client, requestId) = await StartSessionAsync(proxy, secret, "call-owned");
        await using (client)
        {
            await client.CloseAsync();
        }

        var record = await proxy.WaitForClosedRecordByRequestIdAsync("indicator-owner", requestId);
        var sessionId = record.GetProperty("session_id").GetString()!;
        const string Body = """{"name":"booked","value":1}""";

        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync(proxy, $"/admin/v1/sessions/{Guid.CreateVersion7()}/indicators", Body)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync(proxy, "/admin/v1/sessions/not-a-session/indicators", Body)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync(proxy, "/admin/v1/customers/indicator-other/client-sessions/call-owned/indicators", Body)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync(proxy, "/admin/v1/customers/indicator-owner/client-sessions/call-unknown/indicators", Body)).Status);

        foreach (var (body, field) in new[]
        {
            ("""{"name":"booked","value":"yes"}""", "value"),
            ("""{"name":"booked","value":-1}""", "value"),
            ("""{"name":"booked"}""", "value"),
            ("""{"name":"has space","value":1}""", "name"),
            ("""{"value":1}""", "name"),
        })
        {
            var refused = await PostAsync(proxy, $"/admin/v1/sessions/{sessionId}/indicators", body);
            Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
            Assert.Contains(field, refused.Body.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        // Nothing above touched the record; the owner's own route works (unrated: recorded at no cost).
        var owned = await PostAsync(proxy, "/admin/v1/customers/indicator-owner/client-sessions/call-owned/indicators", Body);
        Assert.Equal((HttpStatusCode.Created, sessionId, 0L), (owned.Status, owned.Body.GetProperty("session_id").GetString(), owned.Body.GetProperty("fee_micros").GetInt64()));
    }

    private static async Task<(AgentTestClient Client, string RequestId)> StartSessionAsync(ProxyServer proxy, string secret, string clientSessionId)
    {
        var client = await AgentTestClient.ConnectWithHeaderAsync(proxy.AgentUrl(), secret, o => o.SetRequestHeader("X-Client-Session-Id", clientSessionId));
        var requestId = (await client.ReceiveJsonAsync("Welcome")).GetProperty("request_id").GetString()!;
        await client.SendTextAsync(AgentTestClient.SettingsJson());
        await client.ReceiveJsonAsync("SettingsApplied");
        return (client, requestId);
    }

    private async Task<List<long>> StreamedVersionsAsync(string sessionId, int atLeast)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var entries = await _gateway.Redis.Database.StreamRangeAsync("dgp:records");
            var versions = entries.Where(e => e["session_id"] == sessionId).Select(e => (long)e["record_version"]).ToList();
            if (versions.Distinct().Count() >= atLeast || DateTime.UtcNow > deadline)
            {
                return versions;
            }

            await Task.Delay(50);
        }
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(ProxyServer proxy, string path, string json)
    {
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        using var response = await proxy.Admin.PostAsync(new Uri(path, UriKind.Relative), content);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private static async Task PutAsync(ProxyServer proxy, string path, object body)
    {
        using var response = await proxy.Admin.PutAsJsonAsync(new Uri(path, UriKind.Relative), body);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }
}
