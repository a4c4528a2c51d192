using System.Net.Http.Json;
using System.Text.Json;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Billing;

/// <summary>Sessions through the real proxy under a plan: the final record carries its price, by the plan version in
/// force when it opened, and the day's usage holds the same numbers.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class RatingTests
{
    private readonly GatewayFixture _gateway;

    public RatingTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task A_session_of_the_official_sdk_under_a_plan_is_rated_and_counted_in_the_days_usage()
    {
        var proxy = _gateway.Proxy;
        const string Customer = "rated-sdk";
        await PutPlanAsync(proxy, "rated-sdk-plan", new
        {
            currency = "USD",
            per_minute_micros = 150_000,
            per_session_micros = 200_000,
            rounding = "ceil_second",
            model_rates = new[] { new { component = "think", model = "gpt-4o-mini", per_minute_micros = 500_000 } },
        });
        var (_, secret) = await proxy.IssueKeyAsync(Customer);
        await PutCustomerPlanAsync(proxy, Customer, "rated-sdk-plan");

        var (exitCode, result, output) = await NodeScript.RunAsync("sdk-agent-session.mjs", new Dictionary<string, string?>
        {
            ["PROXY_BASE_URL"] = "ws://" + proxy.ProxyUrl.Authority,
            ["PROXY_KEY"] = secret,
            ["AUDIO_FRAMES"] = "10",
        }, TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 0, output);

        var record = await proxy.WaitForClosedRecordByRequestIdAsync(Customer, result.GetProperty("request_id").GetString()!);
        var duration = record.GetProperty("duration_ms").GetInt64();
        var rated = Math.Max(1000, (duration + 999) / 1000 * 1000);
        var surcharge = 500_000 * rated / 60_000;
        var cost = 200_000 + (((150_000 + 500_000) * rated) + 59_999) / 60_000;
        Assert.Equal("rated-sdk-plan", record.GetProperty("plan_id").GetString());
        Assert.Equal(1, record.GetProperty("plan_version").GetInt32());
        Assert.Equal(rated, record.GetProperty("rated_ms").GetInt64());
        Assert.Equal(cost, record.GetProperty("cost_micros").GetInt64());
        Assert.Equal("USD", record.GetProperty("currency").GetString());
        var parts = record.GetProperty("cost_parts");
        Assert.Equal(surcharge, parts.GetProperty("surcharges").GetProperty("think:gpt-4o-mini").GetInt64());
        Assert.Equal(cost, parts.GetProperty("per_session_micros").GetInt64() + parts.GetProperty("base_micros").GetInt64() + surcharge);

        var usage = await UsageOfDayAsync(Customer, record);
        Assert.Equal("USD", usage["currency"]);
        Assert.Equal((cost, rated), (long.Parse(usage["cost_micros"]), long.Parse(usage["rated_ms"])));
        Assert.Equal(surcharge, long.Parse(usage["model:think:gpt-4o-mini:surcharge_micros"]));
        Assert.Equal(cost, long.Parse(usage[$"key:{record.GetProperty("key_id").GetString()}:cost_micros"]));

        // The usage report reads those aggregates: its total and its model row are the record's numbers, in JSON and CSV.
        var day = DayOf(record);
        var report = await proxy.Admin.GetFromJsonAsync<JsonElement>(new Uri($"/admin/v1/usage?customer={Customer}&from={day}&to={day}&group_by=model", UriKind.Relative));
        Assert.Equal(("USD", cost, rated), (report.GetProperty("currency").GetString(), report.GetProperty("total").GetProperty("cost_micros").GetInt64(), report.GetProperty("total").GetProperty("rated_ms").GetInt64()));
        var think = report.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("component").GetString() == "think");
        Assert.Equal(("gpt-4o-mini", surcharge, cost), (think.GetProperty("model").GetString(), think.GetProperty("surcharge_micros").GetInt64(), think.GetProperty("cost_micros").GetInt64()));
        var csv = await proxy.Admin.GetStringAsync(new Uri($"/admin/v1/usage?customer={Customer}&from={day}&to={day}&group_by=model&format=csv", UriKind.Relative));
        Assert.Contains($"think,gpt-4o-mini,1,{duration},{record.GetProperty("billable_ms").GetInt64()},{rated},{cost},{surcharge}", csv, StringComparison.Ordinal);
    }

    private static string DayOf(JsonElement record) =>
        DateTimeOffset.FromUnixTimeMilliseconds(record.GetProperty("upstream_opened_at_ms").GetInt64()).UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_plan_change_between_two_sessions_rates_each_by_its_own_version()
    {
        var proxy = _gateway.Proxy;
        const string Customer = "rated-versions";
        await PutPlanAsync(proxy, "rated-versions-plan", new { currency = "EUR", per_session_micros = 100_000 });
        var (_, secret) = await proxy.IssueKeyAsync(Customer);
        await PutCustomerPlanAsync(proxy, Customer, "rated-versions-plan");

        var first = await RunShortSessionAsync(proxy, secret, Customer);
        await PutPlanAsync(proxy, "rated-versions-plan", new { currency = "EUR", per_session_micros = 250_000 });
        var second = await RunShortSessionAsync(proxy, secret, Customer);

        Assert.Equal((1, 100_000L), (first.GetProperty("plan_version").GetInt32(), first.GetProperty("cost_micros").GetInt64()));
        Assert.Equal((2, 250_000L), (second.GetProperty("plan_version").GetInt32(), second.GetProperty("cost_micros").GetInt64()));
    }

    [Fact]
    public async Task A_customer_without_a_plan_is_recorded_unrated()
    {
        var proxy = _gateway.Proxy;
        var (_, secret) = await proxy.IssueKeyAsync("rated-none");
        var record = await RunShortSessionAsync(proxy, secret, "rated-none");

        Assert.False(record.TryGetProperty("cost_micros", out var cost) && cost.ValueKind != JsonValueKind.Null, record.GetRawText());
        Assert.True(record.GetProperty("billable_ms").GetInt64() >= 1000);
    }

    private static async Task<JsonElement> RunShortSessionAsync(ProxyServer proxy, string secret, string customer)
    {
        var (client, requestId) = await AgentTestClient.StartSessionAsync(proxy.AgentUrl(), secret);
        await using (client)
        {
            await client.CloseAsync();
        }

        return await proxy.WaitForClosedRecordByRequestIdAsync(customer, requestId);
    }

    private async Task<Dictionary<string, string>> UsageOfDayAsync(string customer, JsonElement record)
    {
        var hash = await _gateway.Redis.Database.HashGetAllAsync($"dgp:{{{customer}}}:usage:{DayOf(record)}");
        return hash.ToDictionary(e => (string)e.Name!, e => (string)e.Value!);
    }

    private static async Task PutPlanAsync(ProxyServer proxy, string planId, object plan)
    {
        using var response = await proxy.Admin.PutAsJsonAsync(new Uri($"/admin/v1/plans/{planId}", UriKind.Relative), plan);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task PutCustomerPlanAsync(ProxyServer proxy, string customer, string planId)
    {
        using var response = await proxy.Admin.PutAsJsonAsync(new Uri($"/admin/v1/customers/{customer}", UriKind.Relative), new { plan = planId });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }
}
