using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Admin;

/// <summary>The admin API describes itself: an OpenAPI document and a reference page, on the admin port only.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class OpenApiTests
{
    private readonly GatewayFixture _gateway;

    public OpenApiTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task The_document_lists_the_admin_routes_and_nothing_else()
    {
        using var client = new HttpClient { BaseAddress = _gateway.Proxy.Admin.BaseAddress };
        var document = await client.GetFromJsonAsync<JsonElement>(new Uri("/admin/openapi/admin.json", UriKind.Relative));

        Assert.StartsWith("3.", document.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        foreach (var expected in new[] { "/admin/v1/customers/{customerId}", "/admin/v1/plans/{planId}", "/admin/v1/usage", "/admin/v1/sessions", "/admin/v1/reconcile", "/admin/v1/reconcile/last", "/admin/v1/secrets/re-encrypt", "/admin/v1/whoami", "/admin/v1/audit", "/admin/v1/sessions/live", "/admin/v1/instances", "/admin/v1/plans" })
        {
            Assert.Contains(expected, paths);
        }

        Assert.All(paths, p => Assert.StartsWith("/admin/v1/", p, StringComparison.Ordinal));

        // Offboarding is described: a named operation with its answers.
        var delete = document.GetProperty("paths").GetProperty("/admin/v1/customers/{customerId}").GetProperty("delete");
        Assert.Equal("DeleteCustomer", delete.GetProperty("operationId").GetString());
        var answers = delete.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToList();
        Assert.Contains("200", answers);
        Assert.Contains("404", answers);
        Assert.Contains("409", answers);
    }

    [Fact]
    public async Task The_reference_page_is_served_on_the_admin_port_and_not_on_the_proxy_port()
    {
        using var admin = new HttpClient { BaseAddress = _gateway.Proxy.Admin.BaseAddress };
        using var page = await admin.GetAsync(new Uri("/admin/docs", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);

        using var proxyPort = new HttpClient { BaseAddress = new Uri("http://" + _gateway.Proxy.ProxyUrl.Authority) };
        using var refused = await proxyPort.GetAsync(new Uri("/admin/openapi/admin.json", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
    }
}
