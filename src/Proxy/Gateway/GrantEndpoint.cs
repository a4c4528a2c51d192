using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Proxy.Customers;
using Proxy.Storage;
using Proxy.Telemetry;

namespace Proxy.Gateway;

/// <summary>
/// <c>POST /v1/auth/grant</c>, as Deepgram's own: a proxy key (<c>Authorization: Token &lt;key&gt;</c>) buys a
/// short-lived token, <c>{"access_token", "expires_in"}</c>, that a browser presents instead of the key. The key is
/// checked as the agent endpoint checks it (same refusals, same failed-check limit per address). Tokens cannot mint
/// tokens. The token is never logged.
/// </summary>
internal sealed class GrantEndpoint
{
    public const string Path = "/v1/auth/grant";

    // The body is at most a small JSON object.
    private const int MaxBodyBytes = 4096;

    private readonly AuthFailureLimiter _failures;
    private readonly IProxyKeyAuthenticator _authenticator;
    private readonly AccessTokenIssuer _issuer;
    private readonly ProxyMetrics _metrics;
    private readonly ILogger<GrantEndpoint> _logger;

    public GrantEndpoint(AuthFailureLimiter failures, IProxyKeyAuthenticator authenticator, AccessTokenIssuer issuer, ProxyMetrics metrics, ILogger<GrantEndpoint> logger)
    {
        _failures = failures;
        _authenticator = authenticator;
        _issuer = issuer;
        _metrics = metrics;
        _logger = logger;
    }

    public async Task HandleAsync(HttpContext context)
    {
        var remote = context.Connection.RemoteIpAddress;
        if (_failures.IsBlocked(remote, out var retryAfter))
        {
            context.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            await ProxyErrors.WriteAsync(context, StatusCodes.Status429TooManyRequests, "too_many_auth_failures", "Too many failed key checks from this address; retry later.").ConfigureAwait(false);
            return;
        }

        if (ReadKey(context.Request.Headers.Authorization) is not { } secret)
        {
            await RefuseAsync(context, "missing_key", "Send the proxy key as `Authorization: Token <proxy key>`.", keyId: null).ConfigureAwait(false);
            return;
        }

        KeyAuthenticationResult auth;
        try
        {
            auth = await _authenticator.AuthenticateAsync(secret).ConfigureAwait(false);
        }
        catch (StorageUnavailableException ex)
        {
            GatewayLog.KeyLookupFailed(_logger, ex);
            await ProxyErrors.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "not_ready", "The proxy cannot reach its storage to check the key; retry shortly.").ConfigureAwait(false);
            return;
        }

        switch (auth.Outcome)
        {
            case KeyAuthenticationOutcome.Accepted:
                break;
            case KeyAuthenticationOutcome.CustomerDisabled:
                _metrics.AuthFailed("customer_disabled");
                GatewayLog.GrantRefused(_logger, remote, StatusCodes.Status403Forbidden, "customer_disabled", auth.Key?.KeyId);
                await ProxyErrors.WriteAsync(context, StatusCodes.Status403Forbidden, "customer_disabled", "The customer of this key is disabled.").ConfigureAwait(false);
                return;
            case KeyAuthenticationOutcome.RevokedKey:
                await RefuseAsync(context, "key_revoked", "The proxy key has been revoked.", auth.Key?.KeyId).ConfigureAwait(false);
                return;
            case KeyAuthenticationOutcome.ExpiredKey:
                await RefuseAsync(context, "key_expired", "The proxy key has expired.", auth.Key?.KeyId).ConfigureAwait(false);
                return;
            default:
                await RefuseAsync(context, "invalid_key", "The proxy key is not valid.", auth.Key?.KeyId).ConfigureAwait(false);
                return;
        }

        var body = await ReadBodyAsync(context).ConfigureAwait(false);
        string? error = null;
        if (body is null || TokenGrantRequest.ParseTtl(body, out error) is not { } ttl)
        {
            await ProxyErrors.WriteAsync(context, StatusCodes.Status400BadRequest, "invalid_request", error ?? $"The body is larger than {MaxBodyBytes} bytes; send {{\"{TokenGrantRequest.TtlField}\": N}}.").ConfigureAwait(false);
            return;
        }

        var key = auth.Key!;
        var token = _issuer.Issue(key, ttl);
        GatewayLog.TokenGranted(_logger, key.CustomerId, key.KeyId, ttl);
        await WriteGrantAsync(context, token, ttl).ConfigureAwait(false);
    }

    private static string? ReadKey(Microsoft.Extensions.Primitives.StringValues authorization)
    {
        if (authorization.Count != 1)
        {
            return null;
        }

        var value = authorization.ToString().Trim();
        var space = value.IndexOf(' ', StringComparison.Ordinal);
        if (space < 0 || !string.Equals(value[..space], ClientCredentialParser.TokenScheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var secret = value[(space + 1)..].Trim();
        return secret.Length == 0 ? null : secret;
    }

    private static async Task<byte[]?> ReadBodyAsync(HttpContext context)
    {
        if (context.Request.ContentLength > MaxBodyBytes)
        {
            return null;
        }

        var buffer = new byte[MaxBodyBytes + 1];
        var total = 0;
        while (total < buffer.Length)
        {
            var read = await context.Request.Body.ReadAsync(buffer.AsMemory(total), context.RequestAborted).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total > MaxBodyBytes ? null : buffer[..total];
    }

    private Task RefuseAsync(HttpContext context, string error, string message, string? keyId)
    {
        _failures.RecordFailure(context.Connection.RemoteIpAddress);
        _metrics.AuthFailed(error);
        GatewayLog.GrantRefused(_logger, context.Connection.RemoteIpAddress, StatusCodes.Status401Unauthorized, error, keyId);
        context.Response.Headers.WWWAuthenticate = "Token";
        return ProxyErrors.WriteAsync(context, StatusCodes.Status401Unauthorized, error, message);
    }

    private static async Task WriteGrantAsync(HttpContext context, string token, int ttl)
    {
        var body = new ArrayBufferWriter<byte>(token.Length + 64);
        using (var writer = new Utf8JsonWriter(body, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("access_token", token);
            writer.WriteNumber("expires_in", ttl);
            writer.WriteEndObject();
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.ContentLength = body.WrittenCount;
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.Body.WriteAsync(body.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }
}
