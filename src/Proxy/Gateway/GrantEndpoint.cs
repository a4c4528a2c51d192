using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Proxy.Customers;
using Proxy.Storage;

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

    private readonly CredentialRefusals _refusals;
    private readonly IProxyKeyAuthenticator _authenticator;
    private readonly AccessTokenIssuer _issuer;
    private readonly ILogger<GrantEndpoint> _logger;

    public GrantEndpoint(CredentialRefusals refusals, IProxyKeyAuthenticator authenticator, AccessTokenIssuer issuer, ILogger<GrantEndpoint> logger)
    {
        _refusals = refusals;
        _authenticator = authenticator;
        _issuer = issuer;
        _logger = logger;
    }

    public async Task HandleAsync(HttpContext context)
    {
        var remote = context.Connection.RemoteIpAddress;
        if (_refusals.Blocked(remote) is { } blocked)
        {
            await AdmissionRefusalWriter.WriteResponseAsync(context, blocked).ConfigureAwait(false);
            return;
        }

        if (ReadKey(context.Request.Headers.Authorization) is not { } secret)
        {
            await RefuseAsync(context, _refusals.Unauthorized(remote, "missing_key", "Send the proxy key as `Authorization: Token <proxy key>`.", keyId: null)).ConfigureAwait(false);
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
            await AdmissionRefusalWriter.WriteResponseAsync(context, CredentialRefusals.StorageUnavailable).ConfigureAwait(false);
            return;
        }

        // The same refusals as the agent endpoint's credential and customer steps: a token is only as good as a
        // session the key could open itself.
        if ((_refusals.ForKey(remote, auth) ?? _refusals.ForCustomer(auth)) is { } refusal)
        {
            await RefuseAsync(context, refusal).ConfigureAwait(false);
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

    private Task RefuseAsync(HttpContext context, AdmissionRefusal refusal)
    {
        GatewayLog.GrantRefused(_logger, context.Connection.RemoteIpAddress, refusal.StatusCode, refusal.Error, refusal.KeyId);
        return AdmissionRefusalWriter.WriteResponseAsync(context, refusal);
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
