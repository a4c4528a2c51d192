using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Admin;

/// <summary>The admin API on its own port: customers, keys, upstream keys and records.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class AdminApiTests
{
    private readonly GatewayFixture _gateway;

    public AdminApiTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    // Other tests' customers share the list: walk it all.
    private const int ListPageSize = 1000;

    private HttpClient Admin => _gateway.Proxy.Admin;

    [Fact]
    public async Task Every_admin_endpoint_needs_a_valid_bearer_token()
    {
        using var anonymous = new HttpClient { BaseAddress = _gateway.Proxy.AdminUrl };
        foreach (var path in new[] { "/admin/v1/customers", "/admin/v1/sessions", "/admin/v1/instance", "/admin/v1/customers/x/keys" })
        {
            using var response = await anonymous.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("unauthorized", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        }

        anonymous.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ProxyServer.AdminToken + "x");
        using var wrong = await anonymous.PutAsync(new Uri("/admin/v1/customers/intruder", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(RedisValueAbsent, (string?)await _gateway.Redis.Database.HashGetAsync("dgp:{intruder}:customer", "customer_id"));
    }

    [Fact]
    public async Task The_admin_api_is_not_served_on_the_proxy_port_even_with_a_spoofed_host()
    {
        using var viaProxyPort = new HttpClient { BaseAddress = _gateway.Proxy.ProxyUrl };
        viaProxyPort.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ProxyServer.AdminToken);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/v1/customers");
        request.Headers.Host = _gateway.Proxy.AdminUrl.Authority;
        using var response = await viaProxyPort.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);

        // And the agent endpoint does not exist on the admin port.
        using var agentOnAdmin = await Admin.GetAsync(new Uri("/v1/agent/converse", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, agentOnAdmin.StatusCode);
    }

    [Fact]
    public async Task Customers_are_created_once_then_returned_and_updated()
    {
        using var created = await Admin.PutAsJsonAsync(new Uri("/admin/v1/customers/admin-crud", UriKind.Relative), new { name = "Admin Crud", plan = "gold" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var customer = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("admin-crud", customer.GetProperty("customer_id").GetString());
        Assert.Equal("Admin Crud", customer.GetProperty("name").GetString());
        Assert.Equal("gold", customer.GetProperty("plan").GetString());
        Assert.False(customer.GetProperty("disabled").GetBoolean());
        Assert.False(customer.GetProperty("has_upstream_key").GetBoolean());

        using var again = await Admin.PutAsync(new Uri("/admin/v1/customers/admin-crud", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var same = await again.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("gold", same.GetProperty("plan").GetString());
        Assert.Equal(customer.GetProperty("created_at_ms").GetInt64(), same.GetProperty("created_at_ms").GetInt64());

        using var renamed = await Admin.PutAsJsonAsync(new Uri("/admin/v1/customers/admin-crud", UriKind.Relative), new { plan = "silver" });
        Assert.Equal("silver", (await renamed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("plan").GetString());

        var fetched = await Admin.GetFromJsonAsync<JsonElement>(new Uri("/admin/v1/customers/admin-crud", UriKind.Relative));
        Assert.Equal("Admin Crud", fetched.GetProperty("name").GetString());
        var all = await _gateway.Proxy.PagesAsync("/admin/v1/customers", "customers", ListPageSize);
        Assert.Contains(all.SelectMany(p => p), c => c.GetProperty("customer_id").GetString() == "admin-crud");

        using var missing = await Admin.GetAsync(new Uri("/admin/v1/customers/admin-nobody", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Theory]
    [InlineData("PUT", "/admin/v1/customers/bad%7Bid%7D", null, "invalid_customer_id")]
    [InlineData("PUT", "/admin/v1/customers/admin-bad-body", "{not json", "invalid_body")]
    [InlineData("PUT", "/admin/v1/customers/admin-bad-body", "{\"nmae\":\"typo\"}", "invalid_body")]
    [InlineData("POST", "/admin/v1/customers/admin-bad-body/keys", "{\"expires_at\":\"next week\"}", "invalid_body")]
    [InlineData("POST", "/admin/v1/customers/admin-bad-body/keys", "{\"expires_at\":\"2001-01-01T00:00:00Z\"}", "invalid_body")]
    [InlineData("PUT", "/admin/v1/customers/admin-bad-body/upstream-key", "{}", "invalid_body")]
    [InlineData("PUT", "/admin/v1/customers/admin-bad-body/upstream-key", "{\"api_key\":\"two words\"}", "invalid_body")]
    [InlineData("GET", "/admin/v1/sessions?state=maybe", null, "invalid_query")]
    [InlineData("GET", "/admin/v1/sessions?from=yesterday", null, "invalid_query")]
    [InlineData("GET", "/admin/v1/sessions?limit=0", null, "invalid_query")]
    [InlineData("GET", "/admin/v1/sessions/not-a-uuid", null, "invalid_query")]
    [InlineData("GET", "/admin/v1/customers?limit=1001", null, "invalid_query")]
    [InlineData("GET", "/admin/v1/customers?cursor=not-a-cursor%21", null, "invalid_query")]
    [InlineData("GET", "/admin/v1/customers?cursor=e2FjbWV9", null, "invalid_query")]
    [InlineData("GET", "/admin/v1/customers/admin-bad-body/keys?limit=ten", null, "invalid_query")]
    [InlineData("GET", "/admin/v1/customers/admin-bad-body/keys?cursor=MTIzNDU", null, "invalid_query")]
    [InlineData("DELETE", "/admin/v1/customers/bad%7Bid%7D", null, "invalid_customer_id")]
    public async Task Bad_input_gets_400_with_a_clear_error(string method, string path, string? body, string error)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await Admin.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(error, json.GetProperty("error").GetString());
        Assert.False(string.IsNullOrWhiteSpace(json.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task A_key_secret_is_shown_once_listed_without_it_and_revoked_idempotently()
    {
        await _gateway.Proxy.PutCustomerAsync("admin-keys");
        var expires = DateTimeOffset.UtcNow.AddDays(30);
        using var issued = await Admin.PostAsJsonAsync(new Uri("/admin/v1/customers/admin-keys/keys", UriKind.Relative), new { expires_at = expires.ToUnixTimeMilliseconds() });
        Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
        var key = await issued.Content.ReadFromJsonAsync<JsonElement>();
        var secret = key.GetProperty("key").GetString()!;
        var keyId = key.GetProperty("key_id").GetString()!;
        Assert.StartsWith("dgpk_", secret, StringComparison.Ordinal);
        Assert.Equal(expires.ToUnixTimeMilliseconds(), key.GetProperty("expires_at_ms").GetInt64());

        var listText = await Admin.GetStringAsync(new Uri("/admin/v1/customers/admin-keys/keys", UriKind.Relative));
        Assert.DoesNotContain(secret, listText, StringComparison.Ordinal);
        var listed = JsonDocument.Parse(listText).RootElement.GetProperty("keys").EnumerateArray().Single(k => k.GetProperty("key_id").GetString() == keyId);
        Assert.Equal("active", listed.GetProperty("status").GetString());
        Assert.Equal(secret[..12], listed.GetProperty("prefix").GetString());

        // Only the SHA-256 of the secret is stored.
        var server = _gateway.Redis.Connection!.GetServer(_gateway.Redis.Connection.GetEndPoints()[0]);
        foreach (var redisKey in server.Keys(pattern: "dgp:*key*"))
        {
            var type = await _gateway.Redis.Database.KeyTypeAsync(redisKey);
            var text = type == StackExchange.Redis.RedisType.Hash
                ? string.Join(' ', (await _gateway.Redis.Database.HashGetAllAsync(redisKey)).Select(e => e.Value.ToString()))
                : type == StackExchange.Redis.RedisType.String ? (string?)await _gateway.Redis.Database.StringGetAsync(redisKey) ?? string.Empty : string.Empty;
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }

        using var revoked = await Admin.DeleteAsync(new Uri($"/admin/v1/keys/{keyId}", UriKind.Relative));
        var revokedKey = await revoked.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("revoked", revokedKey.GetProperty("status").GetString());
        var revokedAt = revokedKey.GetProperty("revoked_at_ms").GetInt64();

        using var twice = await Admin.DeleteAsync(new Uri($"/admin/v1/keys/{keyId}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, twice.StatusCode);
        Assert.Equal(revokedAt, (await twice.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("revoked_at_ms").GetInt64());

        using var unknown = await Admin.DeleteAsync(new Uri("/admin/v1/keys/key_does_not_exist", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        using var noCustomer = await Admin.PostAsync(new Uri("/admin/v1/customers/admin-no-such-customer/keys", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.NotFound, noCustomer.StatusCode);
    }

    [Fact]
    public async Task Sessions_are_listed_by_customer_state_and_time_and_fetched_by_id()
    {
        var proxy = _gateway.Proxy;
        var (_, secret) = await proxy.IssueKeyAsync("admin-sessions");
        var started = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        var open = await AgentTestClient.ConnectWithHeaderAsync(proxy.AgentUrl(), secret);
        await using var _ = open;
        var openRequestId = (await open.ReceiveJsonAsync("Welcome")).GetProperty("request_id").GetString()!;
        for (var i = 0; i < 2; i++)
        {
            var client = await AgentTestClient.ConnectWithHeaderAsync(proxy.AgentUrl(), secret);
            await using var __ = client;
            var requestId = (await client.ReceiveJsonAsync("Welcome")).GetProperty("request_id").GetString()!;
            await client.CloseAsync();
            await proxy.WaitForClosedRecordByRequestIdAsync("admin-sessions", requestId);
        }

        var openRecords = await proxy.ListSessionsAsync("admin-sessions", "open");
        var openRecord = Assert.Single(openRecords);
        Assert.Equal("open", openRecord.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, openRecord.GetProperty("duration_ms").ValueKind);
        Assert.Equal(2, (await proxy.ListSessionsAsync("admin-sessions", "closed")).Length);

        var all = await proxy.ListSessionsAsync("admin-sessions");
        Assert.Equal(3, all.Length);
        Assert.True(all.Select(r => r.GetProperty("client_opened_at_ms").GetInt64()).SequenceEqual(all.Select(r => r.GetProperty("client_opened_at_ms").GetInt64()).OrderDescending()));

        var limited = await Admin.GetFromJsonAsync<JsonElement>(new Uri("/admin/v1/sessions?customer=admin-sessions&limit=1", UriKind.Relative));
        Assert.Single(limited.GetProperty("sessions").EnumerateArray());
        var future = await Admin.GetFromJsonAsync<JsonElement>(new Uri($"/admin/v1/sessions?customer=admin-sessions&from={started + 3_600_000}", UriKind.Relative));
        Assert.Empty(future.GetProperty("sessions").EnumerateArray());
        var iso = DateTimeOffset.FromUnixTimeMilliseconds(started - 1000).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var sinceIso = await Admin.GetFromJsonAsync<JsonElement>(new Uri($"/admin/v1/sessions?customer=admin-sessions&from={iso}", UriKind.Relative));
        Assert.Equal(3, sinceIso.GetProperty("sessions").GetArrayLength());

        var everyone = await Admin.GetFromJsonAsync<JsonElement>(new Uri("/admin/v1/sessions?limit=1000", UriKind.Relative));
        Assert.Equal(3, everyone.GetProperty("sessions").EnumerateArray().Count(r => r.GetProperty("customer_id").GetString() == "admin-sessions"));

        var id = openRecord.GetProperty("session_id").GetString()!;
        var byId = await proxy.GetSessionAsync(id);
        Assert.Equal(id, byId.GetProperty("session_id").GetString());
        using var missing = await Admin.GetAsync(new Uri($"/admin/v1/sessions/{Guid.CreateVersion7()}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        await open.CloseAsync();
        var closed = await proxy.WaitForClosedRecordByRequestIdAsync("admin-sessions", openRequestId);
        Assert.Equal(id, closed.GetProperty("session_id").GetString());
    }

    private const string? RedisValueAbsent = null;
}
