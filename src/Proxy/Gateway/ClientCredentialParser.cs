using Microsoft.Extensions.Primitives;

using Proxy.Tunnel;

namespace Proxy.Gateway;

/// <summary>
/// Reads the proxy key from where Deepgram's clients put a Deepgram key: <c>Authorization: Token &lt;key&gt;</c>, or the
/// subprotocol pair <c>token, &lt;key&gt;</c> (also written <c>token,&lt;key&gt;</c>, or split over several headers);
/// or a short-lived access token where they put Deepgram's: <c>Authorization: Bearer &lt;token&gt;</c>, or the pair
/// <c>bearer, &lt;token&gt;</c>.
/// The client session id is, in order: <c>X-Client-Session-Id</c>, the <c>client_session_id</c> query parameter, or the
/// id Deepgram's SDKs send themselves (header <c>x-deepgram-session-id</c>, or the subprotocol pair
/// <c>x-deepgram-session-id, &lt;uuid&gt;</c> from browsers).
/// </summary>
internal static class ClientCredentialParser
{
    public const string TokenScheme = "token";
    public const string BearerScheme = "bearer";
    private const string SessionIdProtocol = DeepgramSessionIdHeader;
    private const int MaxClientSessionIdLength = 128;

    /// <summary>The SDK's own correlation header (Deepgram's Node SDK sends it; browsers send the subprotocol pair).</summary>
    public const string DeepgramSessionIdHeader = "x-deepgram-session-id";

    public static ClientCredentialParseResult Parse(
        StringValues authorization,
        StringValues subprotocols,
        StringValues clientSessionIdHeader,
        StringValues clientSessionIdQuery,
        StringValues deepgramSessionIdHeader = default)
    {
        var protocols = SplitProtocols(subprotocols);
        var offeredToken = false;
        var offeredBearer = false;
        string? protocolSecret = null;
        string? protocolBearer = null;
        string? protocolSessionId = null;
        for (var i = 0; i < protocols.Count; i++)
        {
            if (string.Equals(protocols[i], TokenScheme, StringComparison.OrdinalIgnoreCase))
            {
                offeredToken = true;
                if (i + 1 < protocols.Count)
                {
                    protocolSecret ??= protocols[++i];
                }
            }
            else if (string.Equals(protocols[i], BearerScheme, StringComparison.OrdinalIgnoreCase))
            {
                offeredBearer = true;
                if (i + 1 < protocols.Count)
                {
                    protocolBearer ??= protocols[++i];
                }
            }
            else if (string.Equals(protocols[i], SessionIdProtocol, StringComparison.OrdinalIgnoreCase) && i + 1 < protocols.Count)
            {
                protocolSessionId ??= protocols[++i];
            }
        }

        var clientSessionId = Sanitize(clientSessionIdHeader.ToString())
            ?? Sanitize(clientSessionIdQuery.ToString())
            ?? Sanitize(deepgramSessionIdHeader.ToString())
            ?? Sanitize(protocolSessionId);

        if (!StringValues.IsNullOrEmpty(authorization))
        {
            if (authorization.Count != 1)
            {
                return ClientCredentialParseResult.Fail("Send a single Authorization header: `Token <proxy key>` or `Bearer <access token>`.");
            }

            var value = authorization.ToString().Trim();
            var space = value.IndexOf(' ', StringComparison.Ordinal);
            var scheme = space < 0 ? value : value[..space];
            var secret = space < 0 ? string.Empty : value[(space + 1)..].Trim();
            var bearer = string.Equals(scheme, BearerScheme, StringComparison.OrdinalIgnoreCase);
            if (!bearer && !string.Equals(scheme, TokenScheme, StringComparison.OrdinalIgnoreCase))
            {
                return ClientCredentialParseResult.Fail("Unsupported Authorization scheme: use `Token <proxy key>` or `Bearer <access token>`.");
            }

            if (secret.Length == 0)
            {
                return ClientCredentialParseResult.Fail(bearer
                    ? "The Authorization header has no token: use `Bearer <access token>`."
                    : "The Authorization header has no key: use `Token <proxy key>`.");
            }

            return ClientCredentialParseResult.Success(
                new ClientCredentials(secret, bearer ? CredentialSource.BearerHeader : CredentialSource.AuthorizationHeader, offeredToken, clientSessionId)
                {
                    OfferedBearerSubprotocol = offeredBearer,
                });
        }

        if (protocolSecret is { Length: > 0 })
        {
            return ClientCredentialParseResult.Success(
                new ClientCredentials(protocolSecret, CredentialSource.Subprotocol, offeredToken, clientSessionId) { OfferedBearerSubprotocol = offeredBearer });
        }

        if (protocolBearer is { Length: > 0 })
        {
            return ClientCredentialParseResult.Success(
                new ClientCredentials(protocolBearer, CredentialSource.BearerSubprotocol, offeredToken, clientSessionId) { OfferedBearerSubprotocol = true });
        }

        return ClientCredentialParseResult.Fail(
            "No proxy key: send `Authorization: Token <proxy key>` or the subprotocols `token, <proxy key>` (or an access token from /v1/auth/grant as `Authorization: Bearer <token>` or the subprotocols `bearer, <token>`).");
    }

    private static List<string> SplitProtocols(StringValues values)
    {
        var protocols = new List<string>();
        foreach (var value in values)
        {
            if (value is null)
            {
                continue;
            }

            foreach (var part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                protocols.Add(part);
            }
        }

        return protocols;
    }

    // The id is the customer's, echoed into records and logs: keep it short and printable.
    private static string? Sanitize(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        value = value.Trim();
        if (value.Length > MaxClientSessionIdLength)
        {
            value = value[..MaxClientSessionIdLength];
        }

        foreach (var c in value)
        {
            if (c < 0x21 || c > 0x7E)
            {
                return null;
            }
        }

        return value;
    }
}
