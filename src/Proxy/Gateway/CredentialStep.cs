using Proxy.Customers;
using Proxy.Storage;

namespace Proxy.Gateway;

/// <summary>
/// The client's key: read from the Authorization header or the WebSocket subprotocol, checked in constant time
/// against the stored hashes. An access token (Bearer) is checked for its signature and expiry, then the key that
/// minted it is checked as if presented, so a revoked or expired key takes its tokens with it. Every failed check counts against the client's address
/// (<see cref="AuthFailureLimiter"/>); an address over the limit is refused before its key is looked at.
/// </summary>
internal sealed class CredentialStep : IAdmissionStep
{
    private readonly CredentialRefusals _refusals;
    private readonly IProxyKeyAuthenticator _authenticator;
    private readonly AccessTokenValidator _tokens;
    private readonly ILogger<CredentialStep> _logger;

    public CredentialStep(CredentialRefusals refusals, IProxyKeyAuthenticator authenticator, AccessTokenValidator tokens, ILogger<CredentialStep> logger)
    {
        _refusals = refusals;
        _authenticator = authenticator;
        _tokens = tokens;
        _logger = logger;
    }

    public async ValueTask<AdmissionRefusal?> RunAsync(AdmissionRequest admission)
    {
        var remote = admission.RemoteIp;
        if (_refusals.Blocked(remote) is { } blocked)
        {
            return blocked;
        }

        var request = admission.Http.Request;
        var parsed = ClientCredentialParser.Parse(
            request.Headers.Authorization,
            request.Headers.SecWebSocketProtocol,
            request.Headers["X-Client-Session-Id"],
            request.Query[AgentUpstreamTransformer.ClientSessionIdQueryParameter],
            request.Headers[ClientCredentialParser.DeepgramSessionIdHeader]);
        if (parsed.Credentials is not { } credentials)
        {
            return Failed(remote, "missing_key", parsed.Error!, keyId: null);
        }

        string? tokenCustomerId = null;
        KeyAuthenticationResult auth;
        try
        {
            if (credentials.IsAccessToken)
            {
                var token = await _tokens.ValidateAsync(credentials.Secret).ConfigureAwait(false);
                switch (token.Outcome)
                {
                    case AccessTokenOutcome.Expired:
                        return Failed(remote, "token_expired", "The access token has expired; get a new one from /v1/auth/grant.", token.KeyId);
                    case not AccessTokenOutcome.Valid:
                        return Failed(remote, "invalid_token", "The access token is not valid.", keyId: null);
                }

                tokenCustomerId = token.CustomerId;
                auth = await _authenticator.AuthenticateKeyIdAsync(token.KeyId!).ConfigureAwait(false);
            }
            else
            {
                auth = await _authenticator.AuthenticateAsync(credentials.Secret).ConfigureAwait(false);
            }
        }
        catch (StorageUnavailableException ex)
        {
            GatewayLog.KeyLookupFailed(_logger, ex);
            return CredentialRefusals.StorageUnavailable;
        }

        // A genuine token names its key's customer; anything else means the key was not the one that minted it.
        if (tokenCustomerId is not null && auth.Key is { } minted && !string.Equals(minted.CustomerId, tokenCustomerId, StringComparison.Ordinal))
        {
            return Failed(remote, "invalid_token", "The access token is not valid.", minted.KeyId);
        }

        admission.Credentials = credentials;
        if (_refusals.ForKey(remote, auth) is { } refused)
        {
            return refused;
        }

        // A disabled customer's key is a good key: the customer step refuses it, and the address is not counted as
        // guessing.
        admission.Authentication = auth;
        return null;
    }

    private AdmissionRefusal Failed(System.Net.IPAddress? remote, string error, string message, string? keyId) =>
        _refusals.Unauthorized(remote, error, message, keyId);
}
