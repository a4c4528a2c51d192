using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Proxy.FunctionalTests.Gateway;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Billing;

/// <summary>Monthly budgets through the real proxy: a session under a plan spends the budget (the finalize script adds
/// its cost to the month hash), the next upgrade is refused with 402 <c>budget_exhausted</c> and counted, and raising
/// the budget lets the next session in. The same for a key's own budget. With <c>budget_action</c> <c>close</c> a live
/// session is warned and closed when its running cost crosses the budget; with <c>refuse</c> it runs on.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class BudgetTests
{
    private const long Fee = 200_000;

    // 2,000,000 micros a minute, exact to the ms: a 100,000 budget is crossed 3 s into a session.
    private const long PerMinute = 2_000_000;
    private const long SmallBudget = 100_000;

    private readonly GatewayFixture _gateway;

    public BudgetTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task A_customer_at_its_monthly_budget_is_refused_with_402_until_the_budget_is_raised()
    {
        var proxy = _gateway.Proxy;
        const string Customer = "budget-customer";
        var (_, secret) = await proxy.IssueKeyAsync(Customer);
        await PutFlatFeePlanAsync(proxy, Customer);
        await PatchSettingsAsync(proxy, Customer, new { monthly_budget_micros = Fee });

        var record = await RunSessionAsync(proxy, secret, Customer);
        Assert.Equal(Fee, record.GetProperty("cost_micros").GetInt64());

        var before = await proxy.ScrapeAsync();
        var refused = await UpgradeAsync(proxy, secret);
        Assert.StartsWith("HTTP/1.1 402", refused, StringComparison.Ordinal);
        Assert.Contains("\"error\":\"budget_exhausted\"", refused, StringComparison.Ordinal);
        Assert.Contains($"{Fee} of {Fee} micros", refused, StringComparison.Ordinal);
        var after = await proxy.ScrapeUntilAsync(s => s.Sum("dgproxy_budget_refusals_total", "scope=customer") > before.Sum("dgproxy_budget_refusals_total", "scope=customer"));
        Assert.Equal(1, after.Sum("dgproxy_budget_refusals_total", "scope=customer") - before.Sum("dgproxy_budget_refusals_total", "scope=customer"));
        Assert.Equal(1, after.Sum("dgproxy_admission_rejected_total", "reason=budget") - before.Sum("dgproxy_admission_rejected_total", "reason=budget"));
        Assert.True(after.Sum("dgproxy_budget_warnings_total", "scope=customer") >= 1, "the 80 % warning was not counted");

        // The settings show the budget; raising it lets the next session in.
        var settings = await PatchSettingsAsync(proxy, Customer, new { monthly_budget_micros = 2 * Fee });
        Assert.Equal(2 * Fee, settings.GetProperty("effective").GetProperty("monthly_budget_micros").GetInt64());
        Assert.Equal("refuse", settings.GetProperty("effective").GetProperty("budget_action").GetString());
        await RunSessionAsync(proxy, secret, Customer);
    }

    [Fact]
    public async Task A_key_at_its_own_monthly_budget_is_refused_while_another_key_of_the_customer_is_admitted()
    {
        var proxy = _gateway.Proxy;
        const string Customer = "budget-key";
        var (keyId, secret) = await proxy.IssueKeyAsync(Customer);
        var (_, otherSecret) = await proxy.IssueKeyAsync(Customer);
        await PutFlatFeePlanAsync(proxy, Customer);
        var patched = await PatchKeyAsync(proxy, keyId, new { monthly_budget_micros = Fee });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal(Fee, JsonDocument.Parse(patched.Body).RootElement.GetProperty("monthly_budget_micros").GetInt64());

        await RunSessionAsync(proxy, secret, Customer);

        var before = await proxy.ScrapeAsync();
        var refused = await UpgradeAsync(proxy, secret);
        Assert.StartsWith("HTTP/1.1 402", refused, StringComparison.Ordinal);
        Assert.Contains("\"error\":\"budget_exhausted\"", refused, StringComparison.Ordinal);
        Assert.Contains($"key {keyId}", refused, StringComparison.Ordinal);
        var after = await proxy.ScrapeUntilAsync(s => s.Sum("dgproxy_budget_refusals_total", "scope=key") > before.Sum("dgproxy_budget_refusals_total", "scope=key"));
        Assert.Equal(1, after.Sum("dgproxy_budget_refusals_total", "scope=key") - before.Sum("dgproxy_budget_refusals_total", "scope=key"));

        // The budget is the key's, not the customer's.
        await RunSessionAsync(proxy, otherSecret, Customer);

        // Raised: the key gets in again.
        Assert.Equal(HttpStatusCode.OK, (await PatchKeyAsync(proxy, keyId, new { monthly_budget_micros = 10 * Fee })).StatusCode);
        await RunSessionAsync(proxy, secret, Customer);
    }

    [Fact]
    public async Task A_negative_budget_or_an_unknown_action_is_refused_with_400_naming_it()
    {
        var proxy = _gateway.Proxy;
        const string Customer = "budget-invalid";
        var (keyId, _) = await proxy.IssueKeyAsync(Customer);

        var negative = await SendSettingsAsync(proxy, Customer, new { monthly_budget_micros = -1 });
        Assert.Equal(HttpStatusCode.BadRequest, negative.StatusCode);
        Assert.Contains("monthly_budget_micros must be 0 (no budget) or more", negative.Body, StringComparison.Ordinal);

        var unknown = await SendSettingsAsync(proxy, Customer, new { budget_action = "stop" });
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("budget_action must be refuse or close", unknown.Body, StringComparison.Ordinal);

        var negativeKey = await PatchKeyAsync(proxy, keyId, new { monthly_budget_micros = -5 });
        Assert.Equal(HttpStatusCode.BadRequest, negativeKey.StatusCode);
        Assert.Contains("monthly_budget_micros must be 0 (no budget) or more", negativeKey.Body, StringComparison.Ordinal);

        var missingKey = await PatchKeyAsync(proxy, "key_does_not_exist", new { monthly_budget_micros = 5 });
        Assert.Equal(HttpStatusCode.NotFound, missingKey.StatusCode);
    }

    [Fact]
    public async Task With_budget_action_close_a_live_session_is_warned_then_closed_when_its_running_cost_crosses_the_budget()
    {
        var proxy = _gateway.Proxy;
        const string Customer = "budget-close";
        var (_, secret) = await proxy.IssueKeyAsync(Customer);
        await PutPerMinutePlanAsync(proxy, Customer);
        await PatchSettingsAsync(proxy, Customer, new { monthly_budget_micros = SmallBudget, budget_action = "close", idle_timeout_ms = 0 });
        var before = await proxy.ScrapeAsync();

        var (client, requestId) = await AgentTestClient.StartSessionAsync(proxy.AgentUrl(), secret);
        ReceivedSession seen;
        await using (client)
        await using (client.StreamAudio(TimeSpan.FromMilliseconds(20)))
        {
            // Audio keeps the upstream from ending a silent session. Crossed after 3 s; the guard checks every
            // second. The bound only keeps a broken build from hanging.
            seen = await client.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(30));
        }

        Assert.True(seen.Closed, "the session was not closed");
        var warning = seen.First("Warning", "SESSION_BUDGET_EXHAUSTED");
        var error = seen.First("Error", "SESSION_BUDGET_EXHAUSTED");
        Assert.NotNull(warning);
        Assert.NotNull(error);
        Assert.True(warning.At <= error.At, "the warning came after the error");
        Assert.Equal(WebSocketCloseStatus.NormalClosure, client.CloseStatus);

        var record = await proxy.WaitForClosedRecordByRequestIdAsync(Customer, requestId);
        Assert.Equal("budget_exhausted", record.GetProperty("close_reason").GetString());
        Assert.Equal("proxy", record.GetProperty("close_initiator").GetString());
        Assert.True(record.GetProperty("cost_micros").GetInt64() >= SmallBudget, record.GetRawText());

        var refused = await UpgradeAsync(proxy, secret);
        Assert.StartsWith("HTTP/1.1 402", refused, StringComparison.Ordinal);
        Assert.Contains("\"error\":\"budget_exhausted\"", refused, StringComparison.Ordinal);

        var after = await proxy.ScrapeUntilAsync(s => s.Sum("dgproxy_budget_closes_total", "scope=customer") > before.Sum("dgproxy_budget_closes_total", "scope=customer"));
        Assert.Equal(1, after.Sum("dgproxy_budget_closes_total", "scope=customer") - before.Sum("dgproxy_budget_closes_total", "scope=customer"));
    }

    [Fact]
    public async Task The_close_action_counts_the_running_cost_of_live_sessions_on_every_instance()
    {
        var proxy = _gateway.Proxy;
        var other = await _gateway.ShortTimeoutsProxyAsync();
        const string Customer = "budget-close-cluster";
        var (_, secret) = await proxy.IssueKeyAsync(Customer);

        // 6,000 micros a second: one session alone reaches 60,000 after 10 s, two together after 5 s.
        const long Budget = 60_000;
        await PutPerMinutePlanAsync(proxy, Customer, perMinuteMicros: 360_000);
        await PatchSettingsAsync(proxy, Customer, new { monthly_budget_micros = Budget, budget_action = "close", idle_timeout_ms = 0 });

        var (here, hereRequestId) = await AgentTestClient.StartSessionAsync(proxy.AgentUrl(), secret);
        var (there, thereRequestId) = await AgentTestClient.StartSessionAsync(other.AgentUrl(), secret);
        await using (here)
        await using (there)
        await using (here.StreamAudio(TimeSpan.FromMilliseconds(20)))
        await using (there.StreamAudio(TimeSpan.FromMilliseconds(20)))
        {
            var seen = await Task.WhenAll(here.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(30)), there.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(30)));
            Assert.All(seen, s => Assert.NotNull(s.First("Error", "SESSION_BUDGET_EXHAUSTED")));
        }

        var records = new[]
        {
            await proxy.WaitForClosedRecordByRequestIdAsync(Customer, hereRequestId),
            await proxy.WaitForClosedRecordByRequestIdAsync(Customer, thereRequestId),
        };
        Assert.All(records, r => Assert.Equal("budget_exhausted", r.GetProperty("close_reason").GetString()));

        // Together they reached the budget; neither could have alone.
        var costs = records.Select(r => r.GetProperty("cost_micros").GetInt64()).ToList();
        Assert.True(costs.Sum() >= Budget, string.Join(", ", costs));
        Assert.All(costs, c => Assert.True(c < Budget, $"a session alone cost {c}: it was closed by its own cost, not the sum"));
    }

    [Fact]
    public async Task With_budget_action_refuse_a_live_session_runs_past_the_budget()
    {
        var proxy = _gateway.Proxy;
        const string Customer = "budget-refuse-live";
        var (_, secret) = await proxy.IssueKeyAsync(Customer);
        await PutPerMinutePlanAsync(proxy, Customer);
        await PatchSettingsAsync(proxy, Customer, new { monthly_budget_micros = SmallBudget, budget_action = "refuse", idle_timeout_ms = 0 });

        var (client, requestId) = await AgentTestClient.StartSessionAsync(proxy.AgentUrl(), secret);
        ReceivedSession seen;
        await using (client)
        {
            // Twice as long as the budget lasts, several guard checks past the crossing.
            await using (client.StreamAudio(TimeSpan.FromMilliseconds(20)))
            {
                seen = await client.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(6));
            }

            Assert.False(seen.Closed, "the session was closed");
            await client.CloseAsync();
        }

        Assert.Null(seen.First("Warning", "SESSION_BUDGET_EXHAUSTED"));
        var record = await proxy.WaitForClosedRecordByRequestIdAsync(Customer, requestId);
        Assert.Equal("client_closed", record.GetProperty("close_reason").GetString());
        Assert.True(record.GetProperty("cost_micros").GetInt64() > SmallBudget, record.GetRawText());
    }

    private static Task<string> UpgradeAsync(ProxyServer proxy, string secret) =>
        AdmissionTests.RawUpgradeAsync(
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Token " + secret + "\r\n",
            proxy.ProxyUrl);

    private static async Task<JsonElement> RunSessionAsync(ProxyServer proxy, string secret, string customer)
    {
        var (client, requestId) = await AgentTestClient.StartSessionAsync(proxy.AgentUrl(), secret);
        await using (client)
        {
            await client.CloseAsync();
        }

        return await proxy.WaitForClosedRecordByRequestIdAsync(customer, requestId);
    }

    // A flat fee per session and nothing per minute: one session costs exactly the fee, whatever its length.
    private static async Task PutFlatFeePlanAsync(ProxyServer proxy, string customer)
    {
        var planId = customer + "-plan";
        using (var plan = await proxy.Admin.PutAsJsonAsync(new Uri($"/admin/v1/plans/{planId}", UriKind.Relative), new { currency = "USD", per_session_micros = Fee }))
        {
            Assert.True(plan.IsSuccessStatusCode, await plan.Content.ReadAsStringAsync());
        }

        using var assigned = await proxy.Admin.PutAsJsonAsync(new Uri($"/admin/v1/customers/{customer}", UriKind.Relative), new { plan = planId });
        Assert.True(assigned.IsSuccessStatusCode, await assigned.Content.ReadAsStringAsync());
    }

    private static async Task PutPerMinutePlanAsync(ProxyServer proxy, string customer, long perMinuteMicros = PerMinute)
    {
        var planId = customer + "-plan";
        using (var plan = await proxy.Admin.PutAsJsonAsync(new Uri($"/admin/v1/plans/{planId}", UriKind.Relative), new { currency = "USD", per_minute_micros = perMinuteMicros, rounding = "exact_ms" }))
        {
            Assert.True(plan.IsSuccessStatusCode, await plan.Content.ReadAsStringAsync());
        }

        using var assigned = await proxy.Admin.PutAsJsonAsync(new Uri($"/admin/v1/customers/{customer}", UriKind.Relative), new { plan = planId });
        Assert.True(assigned.IsSuccessStatusCode, await assigned.Content.ReadAsStringAsync());
    }

    private static async Task<JsonElement> PatchSettingsAsync(ProxyServer proxy, string customer, object body)
    {
        var (status, text) = await SendSettingsAsync(proxy, customer, body);
        Assert.True(status == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<(HttpStatusCode StatusCode, string Body)> SendSettingsAsync(ProxyServer proxy, string customer, object body)
    {
        using var response = await proxy.Admin.PatchAsJsonAsync(new Uri($"/admin/v1/customers/{customer}/settings", UriKind.Relative), body);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task<(HttpStatusCode StatusCode, string Body)> PatchKeyAsync(ProxyServer proxy, string keyId, object body)
    {
        using var response = await proxy.Admin.PatchAsJsonAsync(new Uri($"/admin/v1/keys/{keyId}", UriKind.Relative), body);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
