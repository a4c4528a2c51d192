using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Billing;

/// <summary>Versioned plans through the real proxy's admin API, stored in a real Redis.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class PlanApiTests
{
    private readonly GatewayFixture _gateway;

    public PlanApiTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    private HttpClient Admin => _gateway.Proxy.Admin;

    [Fact]
    public async Task Each_put_makes_a_new_version_the_current_one_is_the_latest_and_all_are_listed_oldest_first()
    {
        var first = await PutPlanAsync("plan-versions", """{"currency":"USD","per_minute_micros":150000}""");
        Assert.Equal("plan-versions", first.GetProperty("plan_id").GetString());
        Assert.Equal(1, first.GetProperty("version").GetInt32());
        Assert.Equal("USD", first.GetProperty("currency").GetString());
        Assert.Equal(150_000, first.GetProperty("per_minute_micros").GetInt64());
        Assert.Equal("exact_ms", first.GetProperty("rounding").GetString());
        Assert.Equal(1000, first.GetProperty("minimum_ms").GetInt64());
        Assert.Equal(0, first.GetProperty("per_session_micros").GetInt64());
        Assert.Equal(0, first.GetProperty("model_rates").GetArrayLength());
        Assert.Empty(first.GetProperty("indicators").EnumerateObject());
        var createdAtMs = first.GetProperty("created_at_ms").GetInt64();
        Assert.InRange(createdAtMs, DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeMilliseconds());

        var second = await PutPlanAsync("plan-versions", """
            {"currency":"USD","per_minute_micros":0,"rounding":"ceil_minute","minimum_ms":60000,"per_session_micros":200000,
             "model_rates":[{"component":"think","model":"gpt-5","per_minute_micros":500000}],
             "indicators":{"lead_qualified":{"flat_micros":200000}}}
            """);
        Assert.Equal(2, second.GetProperty("version").GetInt32());
        Assert.True(second.GetProperty("created_at_ms").GetInt64() >= createdAtMs);

        var current = await Admin.GetFromJsonAsync<JsonElement>(new Uri("/admin/v1/plans/plan-versions", UriKind.Relative));
        Assert.Equal(second.GetRawText(), current.GetRawText());
        Assert.Equal("think", current.GetProperty("model_rates")[0].GetProperty("component").GetString());
        Assert.Equal(200_000, current.GetProperty("indicators").GetProperty("lead_qualified").GetProperty("flat_micros").GetInt64());

        var list = await Admin.GetFromJsonAsync<JsonElement>(new Uri("/admin/v1/plans/plan-versions/versions", UriKind.Relative));
        Assert.Equal("plan-versions", list.GetProperty("plan_id").GetString());
        Assert.Equal([first.GetRawText(), second.GetRawText()], list.GetProperty("versions").EnumerateArray().Select(v => v.GetRawText()));

        // A version as answered can be put back as it is: a new version with the same terms.
        var third = await PutPlanAsync("plan-versions", current.GetRawText());
        Assert.Equal(3, third.GetProperty("version").GetInt32());
        Assert.Equal(current.GetProperty("model_rates").GetRawText(), third.GetProperty("model_rates").GetRawText());
    }

    [Theory]
    [InlineData("/admin/v1/plans/bad%7Bid%7D", """{"currency":"USD"}""", "invalid_plan_id", "plan id")]
    [InlineData("/admin/v1/plans/plan-bad", "{not json", "invalid_body", "JSON")]
    [InlineData("/admin/v1/plans/plan-bad", "", "invalid_body", "currency")]
    [InlineData("/admin/v1/plans/plan-bad", """{"currency":"usd"}""", "invalid_body", "currency")]
    [InlineData("/admin/v1/plans/plan-bad", """{"currency":"USD","per_minute":1}""", "invalid_body", "per_minute")]
    [InlineData("/admin/v1/plans/plan-bad", """{"currency":"USD","per_minute_micros":1.5}""", "invalid_body", "per_minute_micros")]
    [InlineData("/admin/v1/plans/plan-bad", """{"currency":"USD","per_minute_micros":-1}""", "invalid_body", "per_minute_micros")]
    [InlineData("/admin/v1/plans/plan-bad", """{"currency":"USD","per_minute_micros":106751991168}""", "invalid_body", "per_minute_micros")]
    [InlineData("/admin/v1/plans/plan-bad", """{"currency":"USD","rounding":"ceil_hour"}""", "invalid_body", "rounding")]
    [InlineData("/admin/v1/plans/plan-bad", """{"currency":"USD","minimum_ms":-1}""", "invalid_body", "minimum_ms")]
    [InlineData("/admin/v1/plans/plan-bad", """{"currency":"USD","model_rates":[{"component":"hear","model":"a"}]}""", "invalid_body", "model_rates[0].component")]
    [InlineData("/admin/v1/plans/plan-bad", """{"currency":"USD","model_rates":[{"component":"think","model":"a"},{"component":"think","model":"a"}]}""", "invalid_body", "model_rates[1]")]
    [InlineData("/admin/v1/plans/plan-bad", """{"currency":"USD","indicators":{"won":{"flat_micros":-1}}}""", "invalid_body", "indicators.won.flat_micros")]
    [InlineData("/admin/v1/plans/plan-bad", """{"currency":"USD","per_session_micros":9223372036854775807,"indicators":{"won":{"flat_micros":1}}}""", "invalid_body", "indicators.won.flat_micros")]
    public async Task Bad_plans_get_400_naming_the_field_and_store_nothing(string path, string body, string error, string named)
    {
        using var response = await Admin.PutAsync(new Uri(path, UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(error, json.GetProperty("error").GetString());
        Assert.Contains(named, json.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.False(await _gateway.Redis.Database.KeyExistsAsync("dgp:plan:{plan-bad}"));
    }

    [Fact]
    public async Task A_plan_in_use_cannot_be_deleted_and_a_deleted_one_is_gone_from_the_api_but_keeps_its_versions()
    {
        await PutPlanAsync("plan-delete", """{"currency":"USD","per_minute_micros":1}""");
        await _gateway.Proxy.PutCustomerAsync("plan-delete-user", new { plan = "plan-delete" });

        using var refused = await Admin.DeleteAsync(new Uri("/admin/v1/plans/plan-delete", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var conflict = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("plan_in_use", conflict.GetProperty("error").GetString());
        Assert.Contains("plan-delete-user", conflict.GetProperty("message").GetString(), StringComparison.Ordinal);

        await _gateway.Proxy.PutCustomerAsync("plan-delete-user", new { plan = "some-other-label" });
        using var deleted = await Admin.DeleteAsync(new Uri("/admin/v1/plans/plan-delete", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        foreach (var path in new[] { "/admin/v1/plans/plan-delete", "/admin/v1/plans/plan-delete/versions" })
        {
            using var gone = await Admin.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }

        using var again = await Admin.DeleteAsync(new Uri("/admin/v1/plans/plan-delete", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);

        // Records rated by version 1 still name it: it stays in Redis, with when the delete ended it.
        var versions = _gateway.Redis.Database;
        Assert.True(await versions.HashExistsAsync("dgp:plan:{plan-delete}:versions", "1"));
        Assert.True(await versions.HashExistsAsync("dgp:plan:{plan-delete}:versions", "1:deleted_at_ms"));
    }

    [Fact]
    public async Task A_plan_keeps_its_currency_and_a_customer_keeps_the_currency_of_its_month()
    {
        await PutPlanAsync("plan-usd", """{"currency":"USD"}""");
        await PutPlanAsync("plan-eur", """{"currency":"EUR"}""");

        using var changed = await Admin.PutAsync(new Uri("/admin/v1/plans/plan-usd", UriKind.Relative), new StringContent("""{"currency":"EUR"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Conflict, changed.StatusCode);
        Assert.Equal("currency_mismatch", (await changed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());

        // A customer without usage this month may take any plan; one whose month was rated in EUR only an EUR plan.
        await _gateway.Proxy.PutCustomerAsync("plan-currency", new { plan = "plan-usd" });
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await _gateway.Redis.Database.HashSetAsync($"dgp:{{plan-currency}}:usage:{today}", [new("sessions", 1), new("currency", "EUR")]);

        using var refused = await Admin.PutAsJsonAsync(new Uri("/admin/v1/customers/plan-currency", UriKind.Relative), new { plan = "plan-usd" });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var error = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("currency_mismatch", error.GetProperty("error").GetString());
        Assert.Contains("EUR", error.GetProperty("message").GetString(), StringComparison.Ordinal);

        using var accepted = await Admin.PutAsJsonAsync(new Uri("/admin/v1/customers/plan-currency", UriKind.Relative), new { plan = "plan-eur" });
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);

        // A label that names no plan rates nothing, so it adds no currency: allowed (existing customers carry such labels).
        using var label = await Admin.PutAsJsonAsync(new Uri("/admin/v1/customers/plan-currency", UriKind.Relative), new { plan = "gold tier" });
        Assert.Equal(HttpStatusCode.OK, label.StatusCode);
    }

    [Fact]
    public async Task The_plan_list_shows_each_live_plans_current_version_as_its_get_does_by_id()
    {
        await PutPlanAsync("plan-list-b", """{"currency":"USD","per_minute_micros":1}""");
        await PutPlanAsync("plan-list-a", """{"currency":"USD","per_minute_micros":2}""");
        await PutPlanAsync("plan-list-a", """{"currency":"USD","per_minute_micros":3}""");
        await PutPlanAsync("plan-list-gone", """{"currency":"USD"}""");
        using (var deleted = await Admin.DeleteAsync(new Uri("/admin/v1/plans/plan-list-gone", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        var listed = await ListedPlansAsync(_gateway.Proxy, "plan-list-");

        Assert.Equal(["plan-list-a", "plan-list-b"], listed.Select(p => p.GetProperty("plan_id").GetString()));
        foreach (var plan in listed)
        {
            var current = await Admin.GetFromJsonAsync<JsonElement>(new Uri($"/admin/v1/plans/{plan.GetProperty("plan_id").GetString()}", UriKind.Relative));
            Assert.Equal(current.GetRawText(), plan.GetRawText());
        }

        Assert.Equal(2, listed[0].GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task Plans_stored_before_the_plan_list_existed_are_listed_once_an_instance_starts()
    {
        await PutPlanAsync("plan-backfill", """{"currency":"USD","per_minute_micros":7}""");

        // As an instance of the earlier version left it: the plan, not on the list.
        await _gateway.Redis.Database.SortedSetRemoveAsync("dgp:plan-index", "plan-backfill");
        Assert.Empty(await ListedPlansAsync(_gateway.Proxy, "plan-backfill"));

        await using var started = await _gateway.StartProxyAsync();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await ListedPlansAsync(started, "plan-backfill")).Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the plan stored without the list was not listed after a start");
            await Task.Delay(200);
        }

        Assert.Single(await ListedPlansAsync(_gateway.Proxy, "plan-backfill"));
    }

    private static async Task<List<JsonElement>> ListedPlansAsync(ProxyServer proxy, string idPrefix)
    {
        var list = await proxy.Admin.GetFromJsonAsync<JsonElement>(new Uri("/admin/v1/plans", UriKind.Relative));
        var plans = list.GetProperty("plans").EnumerateArray().ToList();
        var ids = plans.Select(p => p.GetProperty("plan_id").GetString()!).ToList();
        Assert.Equal(ids.Order(StringComparer.Ordinal), ids);
        return [.. plans.Where(p => p.GetProperty("plan_id").GetString()!.StartsWith(idPrefix, StringComparison.Ordinal))];
    }

    [Fact]
    public async Task A_plan_that_was_never_put_is_not_found()
    {
        using var missing = await Admin.GetAsync(new Uri("/admin/v1/plans/plan-nobody", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("not_found", (await missing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    private async Task<JsonElement> PutPlanAsync(string planId, string body)
    {
        using var response = await Admin.PutAsync(new Uri($"/admin/v1/plans/{planId}", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.StatusCode == HttpStatusCode.Created, json.GetRawText());
        return json;
    }
}
