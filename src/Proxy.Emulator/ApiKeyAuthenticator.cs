using Microsoft.Net.Http.Headers;

namespace Proxy.Emulator;

/// <summary>Checks Deepgram credentials the way Deepgram does: <c>Authorization: Token &lt;key&gt;</c> or
/// <c>Authorization: Bearer &lt;access token&gt;</c>, or the subprotocol pairs <c>token, &lt;key&gt;</c> and
/// <c>bearer, &lt;access token&gt;</c> that browsers use because they cannot set headers. Keys must exist and not have
/// expired; tokens come from <see cref="AccessTokens"/>.</summary>
internal sealed class ApiKeyAuthenticator(ApiKeyStore keys, AccessTokens tokens, TimeProvider time)
{
    private const string TokenScheme = "Token";
    private const string BearerScheme = "Bearer";
    private const string TokenProtocol = "token";
    private const string BearerProtocol = "bearer";

    /// <summary>The failure reason of an access token offered where only API keys are accepted.</summary>
    public const string TokenNotAccepted = "access tokens are not accepted here: use an API key";

    /// <summary>The agent endpoint's check: an API key or an access token, by header or subprotocol.</summary>
    public AuthResult Authenticate(HttpRequest request, IReadOnlyList<string> requestedProtocols)
    {
        // The header wins when present, so a client cannot mask a bad header with a subprotocol key.
        if (ReadAuthorization(request) is { } header)
        {
            return header.Scheme switch
            {
                TokenScheme => CheckKey(header.Credential, AuthMethods.Header, acceptedSubprotocol: null),
                BearerScheme => CheckToken(header.Credential, AuthMethods.Header, acceptedSubprotocol: null),
                _ => Fail("Authorization header is not of the form 'Token <key>' or 'Bearer <token>'", null),
            };
        }

        var index = IndexOfCredentialProtocol(requestedProtocols);
        if (index < 0)
        {
            return Fail("no credentials", null);
        }

        if (index + 1 >= requestedProtocols.Count)
        {
            return Fail($"subprotocol '{requestedProtocols[index]}' is not followed by a credential", null);
        }

        // Select the offered spelling of "token"/"bearer": a browser fails the handshake unless the answer matches.
        var offered = requestedProtocols[index];
        return offered.Equals(TokenProtocol, StringComparison.OrdinalIgnoreCase)
            ? CheckKey(requestedProtocols[index + 1], AuthMethods.Subprotocol, offered)
            : CheckToken(requestedProtocols[index + 1], AuthMethods.Subprotocol, offered);
    }

    /// <summary>The management API's and the grant's check: an API key in <c>Authorization: Token</c> only; access
    /// tokens are refused, as Deepgram refuses them there.</summary>
    public AuthResult AuthenticateApiKey(HttpRequest request) =>
        ReadAuthorization(request) switch
        {
            null => Fail("no credentials", null),
            { Scheme: TokenScheme } header => CheckKey(header.Credential, AuthMethods.Header, acceptedSubprotocol: null),
            { Scheme: BearerScheme } => Fail(TokenNotAccepted, null),
            _ => Fail("Authorization header is not of the form 'Token <key>'", null),
        };

    /// <summary>The requested protocols with every credential (the element after <c>token</c> or
    /// <c>bearer</c>) replaced by <c>***</c>.</summary>
    public static string[] MaskSecrets(IReadOnlyList<string> requestedProtocols)
    {
        var masked = requestedProtocols.ToArray();
        for (var i = 0; i < masked.Length - 1; i++)
        {
            if (IsCredentialProtocol(masked[i]))
            {
                masked[++i] = "***";
            }
        }

        return masked;
    }

    /// <summary>The scheme (normalized to <c>Token</c>/<c>Bearer</c> when it is one of them) and the credential of the
    /// Authorization header, or null without one.</summary>
    private static (string Scheme, string Credential)? ReadAuthorization(HttpRequest request)
    {
        var authorization = request.Headers[HeaderNames.Authorization].ToString();
        if (authorization.Length == 0)
        {
            return null;
        }

        var separator = authorization.IndexOf(' ', StringComparison.Ordinal);
        if (separator <= 0)
        {
            return (string.Empty, string.Empty);
        }

        var scheme = authorization[..separator];
        var credential = authorization[(separator + 1)..].Trim();
        return scheme.Equals(TokenScheme, StringComparison.OrdinalIgnoreCase) ? (TokenScheme, credential)
            : scheme.Equals(BearerScheme, StringComparison.OrdinalIgnoreCase) ? (BearerScheme, credential)
            : (scheme, credential);
    }

    private static bool IsCredentialProtocol(string protocol) =>
        protocol.Equals(TokenProtocol, StringComparison.OrdinalIgnoreCase) || protocol.Equals(BearerProtocol, StringComparison.OrdinalIgnoreCase);

    private static int IndexOfCredentialProtocol(IReadOnlyList<string> protocols)
    {
        for (var i = 0; i < protocols.Count; i++)
        {
            if (IsCredentialProtocol(protocols[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private static AuthResult Fail(string reason, string? keySha256) => AuthResult.Failure(reason, keySha256);

    private AuthResult CheckKey(string secret, string method, string? acceptedSubprotocol)
    {
        if (secret.Length == 0)
        {
            return Fail("empty key", null);
        }

        var sha256 = KeyFingerprint.Sha256Hex(secret);
        return keys.FindBySha256(sha256) switch
        {
            null => Fail("unknown key", sha256),
            { } key when !key.IsActiveAt(time.GetUtcNow()) => Fail("expired key", sha256),
            { } key => AuthResult.Success(method, key, Credentials.ApiKey, acceptedSubprotocol),
        };
    }

    private AuthResult CheckToken(string token, string method, string? acceptedSubprotocol)
    {
        if (token.Length == 0)
        {
            return Fail("empty access token", null);
        }

        return tokens.Validate(token, out var failure) is { } key
            ? AuthResult.Success(method, key, Credentials.AccessToken, acceptedSubprotocol)
            : Fail(failure!, null);
    }
}
