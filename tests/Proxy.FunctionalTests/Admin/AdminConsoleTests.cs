using System.Net;
using System.Net.Http.Headers;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Admin;

/// <summary>The admin console's static files on a real proxy: on the admin port with the security headers, nowhere on
/// the public port, no token needed (they hold no data).</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class AdminConsoleTests
{
    private readonly GatewayFixture _gateway;

    public AdminConsoleTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    private HttpClient AdminWithoutToken() =>
        new(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = _gateway.Proxy.Admin.BaseAddress };

    [Fact]
    public async Task The_console_page_is_served_on_the_admin_port_without_a_token_with_a_strict_policy()
    {
        using var admin = AdminWithoutToken();
        using var page = await admin.GetAsync(new Uri("/admin/console/", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", page.Content.Headers.ContentType?.CharSet);
        var csp = Assert.Single(page.Headers.GetValues("Content-Security-Policy"));
        Assert.StartsWith("default-src 'none'; script-src 'self'; style-src 'self' 'sha256-", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", Assert.Single(page.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(page.Headers.GetValues("Referrer-Policy")));
        Assert.True(page.Headers.CacheControl?.NoCache);
        Assert.NotNull(page.Headers.ETag);
        Assert.Contains("<script type=\"module\" src=\"js/app.js\"></script>", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_module_is_javascript_and_an_unchanged_file_answers_304_to_its_etag()
    {
        using var admin = AdminWithoutToken();
        using var module = await admin.GetAsync(new Uri("/admin/console/js/app.js", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, module.StatusCode);
        Assert.Equal("text/javascript", module.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", module.Content.Headers.ContentType?.CharSet);
        Assert.NotNull(Assert.Single(module.Headers.GetValues("Content-Security-Policy")));

        using var style = await admin.GetAsync(new Uri("/admin/console/css/console.css", UriKind.Relative));
        Assert.Equal("text/css", style.Content.Headers.ContentType?.MediaType);

        using var again = new HttpRequestMessage(HttpMethod.Get, new Uri("/admin/console/js/app.js", UriKind.Relative));
        again.Headers.IfNoneMatch.Add(module.Headers.ETag!);
        using var notModified = await admin.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());

        using var other = new HttpRequestMessage(HttpMethod.Get, new Uri("/admin/console/js/app.js", UriKind.Relative));
        other.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"something-else\""));
        using var changed = await admin.SendAsync(other);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
    }

    [Fact]
    public async Task An_unknown_file_is_404_and_the_bare_path_redirects_to_the_folder()
    {
        using var admin = AdminWithoutToken();
        using var missing = await admin.GetAsync(new Uri("/admin/console/nope", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.NotNull(Assert.Single(missing.Headers.GetValues("Content-Security-Policy")));

        using var bare = await admin.GetAsync(new Uri("/admin/console", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, bare.StatusCode);
        Assert.Equal("/admin/console/", bare.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Nothing_of_the_console_exists_on_the_public_port()
    {
        using var proxyPort = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri("http://" + _gateway.Proxy.ProxyUrl.Authority) };
        foreach (var path in new[] { "/admin/console/", "/admin/console", "/admin/console/index.html", "/admin/console/js/app.js" })
        {
            using var response = await proxyPort.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.False(response.Headers.Contains("Content-Security-Policy"), path);
        }
    }
}
