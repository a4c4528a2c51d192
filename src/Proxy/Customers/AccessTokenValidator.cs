using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Proxy.Customers;

/// <summary>
/// Checks an access token's signature (HS256 only: <c>alg: none</c> and every other algorithm are refused), issuer,
/// audience and expiry against the injected clock. A signature by a previous master key's derived key is
/// accepted too, so tokens minted before a master-key rotation stay good until they expire. Whether the key it names is still good is the key
/// authenticator's question, asked after this one.
/// </summary>
internal sealed class AccessTokenValidator
{
    /// <summary>Instances' clocks disagree a little; a token is honoured this long past its expiry.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(2);

    // Longer than any token this gateway mints; a bigger one is not worth parsing.
    private const int MaxTokenLength = 4096;

    private readonly JsonWebTokenHandler _handler = new();
    private readonly TokenValidationParameters _parameters;
    private readonly TimeProvider _time;

    public AccessTokenValidator(AccessTokenSigningKey signingKey, TimeProvider time)
    {
        _time = time;
        _parameters = new TokenValidationParameters
        {
            ValidIssuer = AccessTokenClaims.Issuer,
            ValidAudience = AccessTokenClaims.Issuer,
            IssuerSigningKeys = signingKey.VerificationKeys,
            ValidAlgorithms = [AccessTokenClaims.Algorithm],
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
            // Expiry is checked below with the injected clock; the library would read the machine's.
            ValidateLifetime = false,
            RequireExpirationTime = true,
        };
    }

    public async Task<AccessTokenCheck> ValidateAsync(string token)
    {
        if (token.Length is 0 or > MaxTokenLength)
        {
            return AccessTokenCheck.Invalid;
        }

        var result = await _handler.ValidateTokenAsync(token, _parameters).ConfigureAwait(false);
        if (!result.IsValid
            || result.SecurityToken is not JsonWebToken jwt
            || !string.Equals(jwt.Alg, AccessTokenClaims.Algorithm, StringComparison.Ordinal)
            || !jwt.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Exp, out var expSeconds)
            || !jwt.TryGetPayloadValue<string>(AccessTokenClaims.KeyId, out var keyId) || string.IsNullOrEmpty(keyId)
            || !jwt.TryGetPayloadValue<string>(AccessTokenClaims.Customer, out var customerId) || string.IsNullOrEmpty(customerId))
        {
            return AccessTokenCheck.Invalid;
        }

        var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        if (nowMs >= expSeconds * 1000 + (long)ClockSkew.TotalMilliseconds)
        {
            return new AccessTokenCheck(AccessTokenOutcome.Expired, keyId, customerId);
        }

        return new AccessTokenCheck(AccessTokenOutcome.Valid, keyId, customerId);
    }
}
