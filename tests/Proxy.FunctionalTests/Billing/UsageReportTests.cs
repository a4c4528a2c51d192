using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Proxy.FunctionalTests.Infrastructure;
using StackExchange.Redis;

namespace Proxy.FunctionalTests.Billing;

/// <summary>
/// GET /admin/v1/usage through the real proxy, from usage hashes seeded in its real Redis exactly as BILLING.md
/// lays them out (the finalize script is what writes them in production): JSON and CSV give the seeded sums.
/// </summary>
[Collection(GatewayTestGroup.Name)]
public sealed class UsageReportTests
{
    private const string Sums = "sessions,duration_ms,billable_ms,rated_ms,cost_micros";

    private readonly GatewayFixture _gateway;

    public UsageReportTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    private HttpClient Admin => _gateway.Proxy.Admin;

    [Fact]
    public async Task Json_and_csv_report_the_seeded_days_keys_and_models_and_the_total_is_the_day_sum()
    {
        const string customer = "usage-report";
        await SeedAsync(customer);
        const string range = "from=2026-11-30&to=2026-12-31";

        var byDay = await JsonAsync($"customer={customer}&{range}");
        Assert.Equal(customer, byDay.GetProperty("customer").GetString());
        Assert.Equal("USD", byDay.GetProperty("currency").GetString());
        Assert.Equal("2026-11-30", byDay.GetProperty("from").GetString());
        Assert.Equal("2026-12-31", byDay.GetProperty("to").GetString());
        Assert.Equal("day", byDay.GetProperty("group_by").GetString());
        Assert.Equal(
            ["2026-11-30,1,4000,4000,0,0", "2026-12-01,3,61000,62000,120000,900000", "2026-12-02,2,5000,5000,60000,300001"],
            Lines(byDay, "day"));
        AssertTotal(byDay, "6,70000,71000,180000,1200001");

        var byKey = await JsonAsync($"customer={customer}&{range}&group_by=key");
        Assert.Equal(["k1,4,65000,65500,120000,1000001", "k2,1,1000,1500,60000,200000"], Lines(byKey, "key_id"));
        AssertTotal(byKey, "6,70000,71000,180000,1200001");

        var byModel = await JsonAsync($"customer={customer}&{range}&group_by=model");
        Assert.Equal(
            [
                "speak,aura-2-thalia-en,3,61000,62000,120000,900000,7",
                "think,\"acme, \"\"large\"\"\",1,1000,1500,60000,200000,0",
                "think,gpt-4o:2024,1,3000,3000,30000,150000,99999",
                "think,gpt-5,3,62000,62500,90000,850001,600000",
            ],
            Lines(byModel, "component", "model", "surcharge_micros"));
        AssertTotal(byModel, "6,70000,71000,180000,1200001");

        // The CSV has the same rows as the JSON: a header row, no total row.
        foreach (var (groupBy, json, keys) in new[]
        {
            ("day", byDay, "day"),
            ("key", byKey, "key_id"),
            ("model", byModel, "component,model"),
        })
        {
            using var response = await Admin.GetAsync(new Uri($"/admin/v1/usage?customer={customer}&{range}&group_by={groupBy}&format=csv", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/csv; charset=utf-8", response.Content.Headers.ContentType!.ToString());
            Assert.Equal($"attachment; filename=usage-{customer}-2026-11-30-2026-12-31.csv", response.Content.Headers.ContentDisposition?.ToString());
            var csv = Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync());
            var header = groupBy == "model" ? $"{keys},{Sums},surcharge_micros" : $"{keys},{Sums}";
            var expected = groupBy == "model" ? Lines(json, "component", "model", "surcharge_micros") : Lines(json, keys);
            Assert.Equal(string.Concat(new[] { header }.Concat(expected).Select(line => line + "\r\n")), csv);
        }
    }

    [Fact]
    public async Task Instants_count_as_their_utc_day_and_a_range_without_usage_is_empty()
    {
        const string customer = "usage-instants";
        await SeedAsync(customer);

        // 2026-12-01T23:30-05:00 is 2026-12-02 in UTC: only the second December day is in range.
        var report = await JsonAsync($"customer={customer}&from=2026-12-01T23:30:00-05:00&to=2026-12-02T08:00:00Z");
        Assert.Equal("2026-12-02", report.GetProperty("from").GetString());
        Assert.Equal(["2026-12-02,2,5000,5000,60000,300001"], Lines(report, "day"));
        AssertTotal(report, "2,5000,5000,60000,300001");

        var empty = await JsonAsync($"customer={customer}&from=2027-01-01&to=2027-01-31&group_by=model");
        Assert.Equal(JsonValueKind.Null, empty.GetProperty("currency").ValueKind);
        Assert.Empty(empty.GetProperty("rows").EnumerateArray());
        AssertTotal(empty, "0,0,0,0,0");
    }

    [Theory]
    [InlineData("", "missing_customer")]
    [InlineData("from=2026-12-01", "missing_customer")]
    [InlineData("customer=bad%7Bid%7D", "invalid_customer_id")]
    [InlineData("customer=usage-bad&from=yesterday", "invalid_from")]
    [InlineData("customer=usage-bad&to=1796083200000", "invalid_to")]
    [InlineData("customer=usage-bad&from=2026-12-02&to=2026-12-01", "invalid_range")]
    [InlineData("customer=usage-bad&from=2025-01-01&to=2026-02-05", "invalid_range")]
    [InlineData("customer=usage-bad&group_by=week", "invalid_group_by")]
    [InlineData("customer=usage-bad&format=xml", "invalid_format")]
    public async Task Bad_queries_get_400_naming_the_problem(string query, string error)
    {
        using var response = await Admin.GetAsync(new Uri("/admin/v1/usage?" + query, UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(error, body.GetProperty("error").GetString());
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task The_report_needs_an_admin_token()
    {
        using var anonymous = new HttpClient { BaseAddress = _gateway.Proxy.AdminUrl };

        using var response = await anonymous.GetAsync(new Uri("/admin/v1/usage?customer=usage-report&format=csv", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Four_hundred_days_are_one_report()
    {
        var report = await JsonAsync("customer=usage-long&from=2025-01-01&to=2026-02-04");

        Assert.Equal("2026-02-04", report.GetProperty("to").GetString());
    }

    [Fact]
    public async Task Usage_in_two_currencies_is_refused_with_409_naming_both()
    {
        const string customer = "usage-currencies";
        var db = _gateway.Redis.Database;
        await db.HashSetAsync(UsageKey(customer, "2026-11-30"), [new("sessions", 1), new("cost_micros", 5), new("currency", "USD")]);
        await db.HashSetAsync(UsageKey(customer, "2026-12-01"), [new("sessions", 1), new("cost_micros", 7), new("currency", "EUR")]);

        using var response = await Admin.GetAsync(new Uri($"/admin/v1/usage?customer={customer}&from=2026-11-01&to=2026-12-31", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("mixed_currencies", body.GetProperty("error").GetString());
        Assert.Contains("USD 2026-11-30..2026-11-30", body.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("EUR 2026-12-01..2026-12-01", body.GetProperty("message").GetString(), StringComparison.Ordinal);

        // Each month on its own is fine.
        Assert.Equal("EUR", (await JsonAsync($"customer={customer}&from=2026-12-01&to=2026-12-31")).GetProperty("currency").GetString());
    }

    /// <summary>Three days as the finalize script aggregates them: Nov 30 from before billing (no billing fields);
    /// Dec 1 three sessions (keys k1, k2; models gpt-5 and a name with a comma and quotes); Dec 2 two sessions on k1,
    /// one with a model name containing ':'; plus plan and indicator fields the report does not sum, and a day
    /// outside every range asked for.</summary>
    private async Task SeedAsync(string customer)
    {
        var db = _gateway.Redis.Database;
        await db.KeyDeleteAsync([UsageKey(customer, "2026-11-30"), UsageKey(customer, "2026-12-01"), UsageKey(customer, "2026-12-02"), UsageKey(customer, "2027-02-01")]);
        await db.HashSetAsync(UsageKey(customer, "2026-11-30"), [new("sessions", 1), new("duration_ms", 4000), new("billable_ms", 4000)]);
        const string quoted = "acme, \"large\"";
        await db.HashSetAsync(UsageKey(customer, "2026-12-01"),
        [
            .. Five(string.Empty, 3, 61_000, 62_000, 120_000, 900_000), new("currency", "USD"),
            .. Five("key:k1:", 2, 60_000, 60_500, 60_000, 700_000),
            .. Five("key:k2:", 1, 1_000, 1_500, 60_000, 200_000),
            .. Five("model:think:gpt-5:", 2, 60_000, 60_500, 60_000, 700_000), new("model:think:gpt-5:surcharge_micros", 500_000),
            .. Five($"model:think:{quoted}:", 1, 1_000, 1_500, 60_000, 200_000), new($"model:think:{quoted}:surcharge_micros", 0),
            .. Five("model:speak:aura-2-thalia-en:", 3, 61_000, 62_000, 120_000, 900_000), new("model:speak:aura-2-thalia-en:surcharge_micros", 7),
            new("plan:gold:1:sessions", 3), new("plan:gold:1:rated_ms", 120_000), new("plan:gold:1:base_micros", 400_000), new("plan:gold:1:per_session_micros", 0),
            new("indicator:lead_qualified:count", 1), new("indicator:lead_qualified:fee_micros", 200_000),
        ]);
        await db.HashSetAsync(UsageKey(customer, "2026-12-02"),
        [
            .. Five(string.Empty, 2, 5_000, 5_000, 60_000, 300_001), new("currency", "USD"),
            .. Five("key:k1:", 2, 5_000, 5_000, 60_000, 300_001),
            .. Five("model:think:gpt-5:", 1, 2_000, 2_000, 30_000, 150_001), new("model:think:gpt-5:surcharge_micros", 100_000),
            .. Five("model:think:gpt-4o:2024:", 1, 3_000, 3_000, 30_000, 150_000), new("model:think:gpt-4o:2024:surcharge_micros", 99_999),
        ]);
        await db.HashSetAsync(UsageKey(customer, "2027-02-01"), [.. Five(string.Empty, 9, 9, 9, 9, 9), new("currency", "USD")]);
    }

    private static HashEntry[] Five(string prefix, long sessions, long durationMs, long billableMs, long ratedMs, long costMicros) =>
    [
        new(prefix + "sessions", sessions), new(prefix + "duration_ms", durationMs), new(prefix + "billable_ms", billableMs),
        new(prefix + "rated_ms", ratedMs), new(prefix + "cost_micros", costMicros),
    ];

    private static RedisKey UsageKey(string customer, string day) => $"dgp:{{{customer}}}:usage:{day}";

    private async Task<JsonElement> JsonAsync(string query)
    {
        using var response = await Admin.GetAsync(new Uri("/admin/v1/usage?" + query, UriKind.Relative));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.GetRawText());
        Assert.StartsWith("application/json", response.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
        return body;
    }

    /// <summary>Each JSON row as a CSV line: its key fields (quoted per RFC 4180 when needed), the five sums, then
    /// <paramref name="keysAndExtras"/>' trailing surcharge when asked for; also checks the row has no other field.</summary>
    private static string[] Lines(JsonElement report, params string[] keysAndExtras)
    {
        var keyFields = keysAndExtras.Where(k => k != "surcharge_micros").ToArray();
        var withSurcharge = keysAndExtras.Contains("surcharge_micros");
        return [.. report.GetProperty("rows").EnumerateArray().Select(row =>
        {
            Assert.Equal(keyFields.Length + 5 + (withSurcharge ? 1 : 0), row.EnumerateObject().Count());
            var fields = keyFields.Select(k => Csv(row.GetProperty(k).GetString()!))
                .Concat(Sums.Split(',').Select(s => row.GetProperty(s).GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture)));
            if (withSurcharge)
            {
                fields = fields.Append(row.GetProperty("surcharge_micros").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            return string.Join(',', fields);
        })];
    }

    private static string Csv(string text) =>
        text.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;

    private static void AssertTotal(JsonElement report, string expected)
    {
        var total = report.GetProperty("total");
        Assert.Equal(5, total.EnumerateObject().Count());
        Assert.Equal(expected, string.Join(',', Sums.Split(',').Select(s => total.GetProperty(s).GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture))));
    }
}
