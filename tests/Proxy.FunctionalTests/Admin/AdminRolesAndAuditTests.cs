using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Admin;

/// <summary>Admin token roles and the audit log on a real proxy and Redis: a read token reads and is refused every
/// change, whoami names each token, and every change (refused ones too) is in the audit log with who, what and the
/// status, newest first – never a token, neither in the log nor in the proxy's output.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class AdminRolesAndAuditTests
{
    private readonly GatewayFixture _gateway;

    // Names and tokens of this run only: the shared Redis holds other tests' audit entries too.
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];

    public AdminRolesAndAuditTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    private string Ops => "ops-" + _run;

    private string Finance => "finance-" + _run;

    private string OpsToken => "ops-token-" + _run + "-0123456789abcdef";

    private string FinanceToken => "finance-token-" + _run + "-0123456789abcdef";

    [Fact]
    public async Task A_read_token_reads_but_is_refused_a_change_which_then_is_not_made_and_whoami_names_each_token()
    {
        await using var proxy = await StartAsync();
        using var finance = Client(proxy, FinanceToken);
        using var ops = Client(proxy, OpsToken);
        var customer = "roles-" + _run;

        // The audit failure counter is there at 0 before any admin request, for an alert on its first increase.
        var fresh = await proxy.ScrapeAsync();
        Assert.True(fresh.Has("dgproxy_admin_audit_write_failures_total"));
        Assert.Equal(0, fresh.Sum("dgproxy_admin_audit_write_failures_total"));

        using (var list = await finance.GetAsync(new Uri("/admin/v1/customers", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        }

        using (var refused = await finance.PutAsJsonAsync(new Uri($"/admin/v1/customers/{customer}", UriKind.Relative), new { name = "Not made" }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            var error = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("forbidden", error.GetProperty("error").GetString());
            Assert.Contains("role read", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        using (var missing = await ops.GetAsync(new Uri($"/admin/v1/customers/{customer}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        Assert.False(await _gateway.Redis.Database.KeyExistsAsync($"dgp:{{{customer}}}:customer"));

        Assert.Equal((Finance, "read"), await WhoAmIAsync(finance));
        Assert.Equal((Ops, "admin"), await WhoAmIAsync(ops));
        Assert.Equal(("Admin:Tokens:0", "admin"), await WhoAmIAsync(proxy.Admin));
    }

    [Fact]
    public async Task Admin_changes_and_a_refused_one_are_in_the_audit_log_newest_first_with_names_routes_and_statuses_and_no_token()
    {
        await using var proxy = await StartAsync();
        using var finance = Client(proxy, FinanceToken);
        using var ops = Client(proxy, OpsToken);
        var customer = "audited-" + _run;

        await SendAsync(ops, HttpMethod.Put, $"/admin/v1/customers/{customer}", new { name = "Audited" }, HttpStatusCode.Created);
        var issued = await SendAsync(ops, HttpMethod.Post, $"/admin/v1/customers/{customer}/keys", new { }, HttpStatusCode.Created);
        var secret = JsonDocument.Parse(issued).RootElement.GetProperty("key").GetString()!;
        await SendAsync(ops, HttpMethod.Patch, $"/admin/v1/customers/{customer}/settings", new { idle_timeout_ms = 20000 }, HttpStatusCode.OK);
        await SendAsync(ops, HttpMethod.Get, $"/admin/v1/customers/{customer}", null, HttpStatusCode.OK);
        await SendAsync(finance, HttpMethod.Put, $"/admin/v1/customers/{customer}", new { disabled = true }, HttpStatusCode.Forbidden);

        // Everyone's entries, newest first; this run's are the newest of their actors (a finance token may read the log).
        var all = await SendAsync(finance, HttpMethod.Get, "/admin/v1/audit?limit=1000", null, HttpStatusCode.OK);
        var mine = JsonDocument.Parse(all).RootElement.GetProperty("entries").EnumerateArray()
            .Where(e => e.GetProperty("actor").GetString() is { } actor && (actor == Ops || actor == Finance))
            .Select(Entry)
            .ToList();
        Assert.Equal(
            [
                (Finance, "read", "PUT", $"/admin/v1/customers/{customer}", "/admin/v1/customers/{customerId}", 403),
                (Ops, "admin", "PATCH", $"/admin/v1/customers/{customer}/settings", "/admin/v1/customers/{customerId}/settings", 200),
                (Ops, "admin", "POST", $"/admin/v1/customers/{customer}/keys", "/admin/v1/customers/{customerId}/keys", 201),
                (Ops, "admin", "PUT", $"/admin/v1/customers/{customer}", "/admin/v1/customers/{customerId}", 201),
            ],
            mine);

        // One actor's, a page of two at a time: the cursor goes on where the page ended, the last page has none.
        var first = JsonDocument.Parse(await SendAsync(ops, HttpMethod.Get, $"/admin/v1/audit?actor={Ops}&limit=2", null, HttpStatusCode.OK)).RootElement;
        var cursor = first.GetProperty("next_cursor").GetString();
        Assert.NotNull(cursor);
        var second = JsonDocument.Parse(await SendAsync(ops, HttpMethod.Get, $"/admin/v1/audit?actor={Ops}&limit=2&cursor={cursor}", null, HttpStatusCode.OK)).RootElement;
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next_cursor").ValueKind);
        Assert.Equal(["PATCH", "POST", "PUT"],
            first.GetProperty("entries").EnumerateArray().Concat(second.GetProperty("entries").EnumerateArray()).Select(e => e.GetProperty("method").GetString()));
        var newest = first.GetProperty("entries")[0];
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(newest.GetProperty("at_ms").GetInt64()),
            DateTimeOffset.Parse(newest.GetProperty("at").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.InRange(newest.GetProperty("at_ms").GetInt64(), DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeMilliseconds());

        // No token – the admin tokens, nor the key issued – in the log or in anything the proxy printed.
        foreach (var text in new[] { OpsToken, FinanceToken, ProxyServer.AdminToken, secret })
        {
            Assert.DoesNotContain(text, all, StringComparison.Ordinal);
            Assert.DoesNotContain(proxy.Process.Output, line => line.Contains(text, StringComparison.Ordinal));
        }
    }

    private Task<ProxyServer> StartAsync() => _gateway.StartProxyAsync(settings: new Dictionary<string, string>
    {
        ["Admin:Tokens:1:Name"] = Ops,
        ["Admin:Tokens:1:Token"] = OpsToken,
        ["Admin:Tokens:1:Role"] = "admin",
        ["Admin:Tokens:2:Name"] = Finance,
        ["Admin:Tokens:2:Token"] = FinanceToken,
        ["Admin:Tokens:2:Role"] = "read",
    });

    private static HttpClient Client(ProxyServer proxy, string token)
    {
        var client = new HttpClient { BaseAddress = proxy.AdminUrl, Timeout = TimeSpan.FromSeconds(15) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static async Task<(string? Name, string? Role)> WhoAmIAsync(HttpClient client)
    {
        var body = await client.GetFromJsonAsync<JsonElement>(new Uri("/admin/v1/whoami", UriKind.Relative));
        Assert.Equal(2, body.EnumerateObject().Count());
        return (body.GetProperty("name").GetString(), body.GetProperty("role").GetString());
    }

    private static async Task<string> SendAsync(HttpClient client, HttpMethod method, string path, object? body, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {path} answered {(int)response.StatusCode} {text}");
        return text;
    }

    private static (string?, string?, string?, string?, string?, int) Entry(JsonElement e) => (
        e.GetProperty("actor").GetString(), e.GetProperty("role").GetString(), e.GetProperty("method").GetString(),
        e.GetProperty("path").GetString(), e.GetProperty("route").GetString(), e.GetProperty("status").GetInt32());
}
