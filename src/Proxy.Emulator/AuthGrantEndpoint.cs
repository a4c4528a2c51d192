using System.Text.Json;

namespace Proxy.Emulator;

/// <summary>
/// Deepgram's <c>POST /v1/auth/grant</c> (<c>client.auth.v1.tokens.grant</c>): an API key (any scope; not a token)
/// exchanges itself for a short-lived access token, <c>{"access_token","expires_in"}</c>. The optional body
/// <c>{"ttl_seconds":N}</c> takes 1–3600 (default 30); the agent endpoint then accepts the token as
/// <c>Authorization: Bearer</c> or subprotocols <c>bearer, &lt;token&gt;</c>, attributed to the minting key.
/// </summary>
internal static class AuthGrantEndpoint
{
    private const int DefaultTtlSeconds = 30;
    private const int MaxTtlSeconds = 3600;

    public static IEndpointRouteBuilder MapAuthGrant(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/v1/auth/grant", GrantAsync);
        return endpoints;
    }

    private static async Task<IResult> GrantAsync(HttpRequest request, ApiKeyAuthenticator authenticator, ApiKeyStore keys, AccessTokens tokens)
    {
        var auth = authenticator.AuthenticateApiKey(request);
        if (!auth.Succeeded || keys.FindById(auth.ApiKeyId) is not { } key)
        {
            return auth.FailureReason == ApiKeyAuthenticator.TokenNotAccepted
                ? ManagementErrors.Unauthorized("An access token cannot grant another: use an API key.")
                : ManagementErrors.Unauthorized();
        }

        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, request.HttpContext.RequestAborted);
        if (ReadTtl(body.ToArray()) is not { } ttl)
        {
            return ManagementErrors.BadBody($"ttl_seconds must be a whole number of seconds from 1 to {MaxTtlSeconds} (omitted: {DefaultTtlSeconds}).");
        }

        return TypedResults.Json(new Grant(tokens.Mint(key, ttl), ttl), ManagementJsonContext.Default.Grant);
    }

    /// <summary>The requested lifetime: the default for an empty body or one without <c>ttl_seconds</c>, null for a
    /// body that is not a JSON object or a value out of range.</summary>
    private static int? ReadTtl(byte[] body)
    {
        if (body.AsSpan().Trim(" \t\r\n"u8).IsEmpty)
        {
            return DefaultTtlSeconds;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            if (!document.RootElement.TryGetProperty("ttl_seconds", out var ttl) || ttl.ValueKind == JsonValueKind.Null)
            {
                return DefaultTtlSeconds;
            }

            return ttl.ValueKind == JsonValueKind.Number && ttl.TryGetInt32(out var seconds) && seconds is >= 1 and <= MaxTtlSeconds
                ? seconds
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

internal sealed record Grant(string AccessToken, int ExpiresIn);
