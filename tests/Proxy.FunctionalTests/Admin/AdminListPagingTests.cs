using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Admin;

/// <summary>The customer and key lists page with <c>limit</c> and an opaque <c>cursor</c>, like the session list: every
/// item once, in order, pages that do not shift while items are added, and a null <c>next_cursor</c> at the end.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class AdminListPagingTests
{
    private readonly GatewayFixture _gateway;

    public AdminListPagingTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task Paging_through_25_customers_by_10_gives_three_pages_with_each_once_in_order_including_those_written_before_the_list_existed()
    {
        // A proxy of its own, with its own key prefix: the list holds exactly this test's customers.
        var prefix = $"paging{Guid.NewGuid():N}:";
        var ids = Enumerable.Range(0, 25).Select(i => $"pg-{i:00}").ToList();

        // Every fifth customer as an earlier version wrote it: in the set and its hash, not on the sorted list.
        var db = _gateway.Redis.Database;
        foreach (var legacy in ids.Where((_, i) => i % 5 == 0))
        {
            await db.SetAddAsync(prefix + "customers", legacy);
            await db.HashSetAsync(prefix + "{" + legacy + "}:customer", [new("customer_id", legacy), new("created_at_ms", 1)]);
        }

        await using var proxy = await _gateway.StartProxyAsync(settings: new Dictionary<string, string> { ["Redis:KeyPrefix"] = prefix });
        foreach (var id in ids.Where((_, i) => i % 5 != 0))
        {
            await proxy.PutCustomerAsync(id);
        }

        // The start-up backfill lists the earlier ones in the background.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((await proxy.PagesAsync("/admin/v1/customers", "customers", 1000)).Sum(p => p.Length) < ids.Count)
        {
            Assert.True(DateTime.UtcNow < deadline, "the customers written before the list existed were not listed within 30 s");
            await Task.Delay(200);
        }

        var pages = await proxy.PagesAsync("/admin/v1/customers", "customers", 10);
        Assert.Equal([10, 10, 5], pages.Select(p => p.Length));
        Assert.Equal(ids, pages.SelectMany(p => p).Select(c => c.GetProperty("customer_id").GetString()));
        var legacyView = pages.SelectMany(p => p).Single(c => c.GetProperty("customer_id").GetString() == "pg-05");
        Assert.False(legacyView.GetProperty("disabled").GetBoolean());

        // A page does not shift while customers are added: one before the cursor is not seen by this walk, one
        // after it is, and none repeats.
        var first = await proxy.Admin.GetFromJsonAsync<JsonElement>(new Uri("/admin/v1/customers?limit=10", UriKind.Relative));
        var cursor = first.GetProperty("next_cursor").GetString()!;
        await proxy.PutCustomerAsync("pg-04a");
        await proxy.PutCustomerAsync("pg-14a");
        var rest = new List<string>();
        for (var page = 0; page < 5 && cursor is not null; page++)
        {
            var next = await proxy.Admin.GetFromJsonAsync<JsonElement>(new Uri($"/admin/v1/customers?limit=10&cursor={Uri.EscapeDataString(cursor)}", UriKind.Relative));
            rest.AddRange(next.GetProperty("customers").EnumerateArray().Select(c => c.GetProperty("customer_id").GetString()!));
            cursor = next.GetProperty("next_cursor").ValueKind == JsonValueKind.Null ? null : next.GetProperty("next_cursor").GetString();
        }

        Assert.Null(cursor);
        Assert.Equal([.. ids.Skip(10).Take(5), "pg-14a", .. ids.Skip(15)], rest);

        // Without limit: the default page holds all 27.
        var all = await proxy.Admin.GetFromJsonAsync<JsonElement>(new Uri("/admin/v1/customers", UriKind.Relative));
        Assert.Equal(27, all.GetProperty("customers").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, all.GetProperty("next_cursor").ValueKind);
    }

    [Fact]
    public async Task Paging_through_25_keys_by_10_gives_three_pages_with_each_once_oldest_first()
    {
        const string customer = "paging-keys";
        await _gateway.Proxy.PutCustomerAsync(customer);
        var issued = new List<(long CreatedAtMs, string KeyId)>();
        for (var i = 0; i < 25; i++)
        {
            using var response = await _gateway.Proxy.Admin.PostAsync(new Uri($"/admin/v1/customers/{customer}/keys", UriKind.Relative), null);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            var key = await response.Content.ReadFromJsonAsync<JsonElement>();
            issued.Add((key.GetProperty("created_at_ms").GetInt64(), key.GetProperty("key_id").GetString()!));
        }

        var pages = await _gateway.Proxy.PagesAsync($"/admin/v1/customers/{customer}/keys", "keys", 10);

        Assert.Equal([10, 10, 5], pages.Select(p => p.Length));
        var expected = issued.OrderBy(k => k.CreatedAtMs).ThenBy(k => k.KeyId, StringComparer.Ordinal).Select(k => k.KeyId);
        Assert.Equal(expected, pages.SelectMany(p => p).Select(k => k.GetProperty("key_id").GetString()));
        Assert.All(pages.SelectMany(p => p), k => Assert.False(k.TryGetProperty("key", out _)));
    }

    [Theory]
    [InlineData("/admin/v1/customers?cursor=%7Bnot-ours%7D")]
    [InlineData("/admin/v1/customers/paging-keys/keys?cursor=cGctMDU")] // a customer cursor ("pg-05") given to the key list
    [InlineData("/admin/v1/customers?limit=0")]
    public async Task A_cursor_or_limit_the_api_did_not_give_out_gets_400(string path)
    {
        using var response = await _gateway.Proxy.Admin.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("invalid_query", error.GetProperty("error").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
    }
}
