using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Proxy.Admin;

namespace Proxy.Tests.Admin;

public sealed class AdminAuthorizationFilterTests
{
    private const string AdminToken = "0123456789abcdef0123456789abcdef";
    private const string ReadToken = "finance-token-0123456789abcdef";

    private readonly AdminAuthorizationFilter _filter = new(new AdminTokenVerifier(Options.Create(new AdminOptions
    {
        Tokens = [AdminTokenEntry.FromPlain(AdminToken), new AdminTokenEntry { Name = "finance", Token = ReadToken, Role = "read" }],
    })));

    [Theory]
    [InlineData("PUT")]
    [InlineData("POST")]
    [InlineData("PATCH")]
    [InlineData("DELETE")]
    [InlineData("OPTIONS")]
    public async Task A_read_token_is_refused_anything_but_reading_with_403_forbidden_and_is_still_known(string method)
    {
        var (http, result, ran) = await RunAsync(method, ReadToken);

        Assert.False(ran);
        var error = Assert.IsType<JsonHttpResult<ErrorBody>>(result);
        Assert.Equal(StatusCodes.Status403Forbidden, error.StatusCode);
        Assert.Equal("forbidden", error.Value!.Error);
        Assert.Contains("role read", error.Value.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(ReadToken, error.Value.Message, StringComparison.Ordinal);
        Assert.Equal(new AdminIdentity("finance", AdminRole.Read), AdminIdentity.Of(http));
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("HEAD")]
    public async Task A_read_token_may_read(string method)
    {
        var (http, _, ran) = await RunAsync(method, ReadToken);

        Assert.True(ran);
        Assert.Equal(new AdminIdentity("finance", AdminRole.Read), AdminIdentity.Of(http));
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    public async Task An_admin_token_may_do_anything(string method)
    {
        var (http, _, ran) = await RunAsync(method, AdminToken);

        Assert.True(ran);
        Assert.Equal(new AdminIdentity("Admin:Tokens:0", AdminRole.Admin), AdminIdentity.Of(http));
    }

    [Fact]
    public async Task No_token_is_401_and_leaves_no_identity()
    {
        var (http, result, ran) = await RunAsync("PUT", token: null);

        Assert.False(ran);
        Assert.Equal(StatusCodes.Status401Unauthorized, Assert.IsType<JsonHttpResult<ErrorBody>>(result).StatusCode);
        Assert.Null(AdminIdentity.Of(http));
    }

    [Fact]
    public async Task Without_tokens_in_development_everyone_is_development_with_role_admin()
    {
        var open = new AdminAuthorizationFilter(new AdminTokenVerifier(Options.Create(new AdminOptions())));
        var http = new DefaultHttpContext();
        http.Request.Method = "PUT";

        await open.InvokeAsync(new DefaultEndpointFilterInvocationContext(http), _ => ValueTask.FromResult<object?>(Results.Ok()));

        Assert.Equal(new AdminIdentity("development", AdminRole.Admin), AdminIdentity.Of(http));
    }

    private async Task<(HttpContext Http, object? Result, bool Ran)> RunAsync(string method, string? token)
    {
        var http = new DefaultHttpContext();
        http.Request.Method = method;
        if (token is not null)
        {
            http.Request.Headers.Authorization = "Bearer " + token;
        }

        var ran = false;
        var result = await _filter.InvokeAsync(new DefaultEndpointFilterInvocationContext(http), _ =>
        {
            ran = true;
            return ValueTask.FromResult<object?>(Results.Ok());
        });
        return (http, result, ran);
    }
}
