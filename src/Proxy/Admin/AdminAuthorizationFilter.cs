namespace Proxy.Admin;

/// <summary>Requires <c>Authorization: Bearer &lt;admin token&gt;</c> on every admin endpoint.</summary>
internal sealed class AdminAuthorizationFilter : IEndpointFilter
{
    private readonly AdminTokenVerifier _verifier;

    public AdminAuthorizationFilter(AdminTokenVerifier verifier)
    {
        _verifier = verifier;
    }

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (!_verifier.Enabled)
        {
            return next(context);
        }

        var header = context.HttpContext.Request.Headers.Authorization.ToString();
        const string Scheme = "Bearer ";
        var token = header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) ? header[Scheme.Length..].Trim() : null;
        if (_verifier.IsValid(token))
        {
            return next(context);
        }

        context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
        return ValueTask.FromResult<object?>(AdminResults.Error(StatusCodes.Status401Unauthorized, "unauthorized",
            "Send `Authorization: Bearer <admin token>` with one of the tokens in Admin:Tokens."));
    }
}
