namespace Proxy.Admin;

/// <summary>Requires <c>Authorization: Bearer &lt;admin token&gt;</c> on every admin endpoint, keeps whose token it is
/// on the request (<see cref="AdminIdentity"/>) and lets a token of role read only read.</summary>
internal sealed class AdminAuthorizationFilter : IEndpointFilter
{
    private readonly AdminTokenVerifier _verifier;

    public AdminAuthorizationFilter(AdminTokenVerifier verifier)
    {
        _verifier = verifier;
    }

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var identity = _verifier.Enabled ? _verifier.Verify(BearerToken(http.Request)) : AdminIdentity.Development;
        if (identity is null)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            return ValueTask.FromResult<object?>(AdminResults.Error(StatusCodes.Status401Unauthorized, "unauthorized",
                "Send `Authorization: Bearer <admin token>` with one of the tokens in Admin:Tokens."));
        }

        AdminIdentity.Set(http, identity);
        if (identity.Role == AdminRole.Read && !AdminRoles.IsReadOnly(http.Request.Method))
        {
            return ValueTask.FromResult<object?>(AdminResults.Error(StatusCodes.Status403Forbidden, "forbidden",
                $"The token '{identity.Name}' has role read: it may only read (GET). {http.Request.Method} needs a token of role admin."));
        }

        return next(context);
    }

    private static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string Scheme = "Bearer ";
        return header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) ? header[Scheme.Length..].Trim() : null;
    }
}
