using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Time.Testing;
using Proxy.Admin;

namespace Proxy.Tests.Admin;

public sealed class AuditEntryTests
{
    private const string Token = "0123456789abcdef0123456789abcdef";
    private const string BodySecret = "dgpk_body_secret_value";

    [Fact]
    public void An_entry_holds_when_who_what_route_and_status_and_never_the_token_body_or_query()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-08T01:02:03.456Z", System.Globalization.CultureInfo.InvariantCulture));
        var http = Request("PUT", "/admin/v1/customers/acme", "/admin/v1/customers/{customerId}");

        var entry = AuditEntry.For(http, new AdminIdentity("finance", AdminRole.Read), StatusCodes.Status403Forbidden, time);

        Assert.Equal(new AuditEntry(1_796_691_723_456, "finance", AdminRole.Read, "PUT", "/admin/v1/customers/acme", "/admin/v1/customers/{customerId}", 403), entry);
        Assert.Equal("2026-12-08T01:02:03.456Z", entry.At);
        var view = entry.View("1796691723456-0");
        Assert.Equal(new AuditEntryView("1796691723456-0", 1_796_691_723_456, "2026-12-08T01:02:03.456Z", "finance", "read", "PUT", "/admin/v1/customers/acme", "/admin/v1/customers/{customerId}", 403), view);

        var stored = string.Join(' ', AuditLogStore.Fields(entry).Select(f => $"{f.Name}={f.Value}"));
        Assert.Equal("at_ms=1796691723456 actor=finance role=read method=PUT path=/admin/v1/customers/acme route=/admin/v1/customers/{customerId} status=403", stored);
        foreach (var secret in new[] { Token, BodySecret, "key=" })
        {
            Assert.DoesNotContain(secret, stored, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_stored_entry_reads_back_and_a_foreign_one_reads_as_none()
    {
        var entry = new AuditEntry(42, "ops", AdminRole.Admin, "DELETE", "/admin/v1/keys/key_1", "/admin/v1/keys/{keyId}", 200);

        Assert.Equal(entry, AuditLogStore.Read(new StackExchange.Redis.StreamEntry("42-0", AuditLogStore.Fields(entry))));
        Assert.Null(AuditLogStore.Read(new StackExchange.Redis.StreamEntry("43-0", [new("something", "else")])));
    }

    internal static DefaultHttpContext Request(string method, string path, string route)
    {
        var http = new DefaultHttpContext();
        http.Request.Method = method;
        http.Request.Path = path;
        http.Request.QueryString = new QueryString("?key=" + Token);
        http.Request.Headers.Authorization = "Bearer " + Token;
        http.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes("{\"api_key\":\"" + BodySecret + "\"}"));
        http.SetEndpoint(new RouteEndpoint(_ => Task.CompletedTask, RoutePatternFactory.Parse(route), 0, EndpointMetadataCollection.Empty, route));
        return http;
    }
}
