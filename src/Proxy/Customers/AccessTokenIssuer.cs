using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Proxy.Customers;

/// <summary>Mints the short-lived token a browser uses instead of a proxy key (Deepgram's <c>/v1/auth/grant</c>).</summary>
internal sealed class AccessTokenIssuer
{
    public const int DefaultTtlSeconds = 30;
    public const int MinTtlSeconds = 1;
    public const int MaxTtlSeconds = 3600;

    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly SigningCredentials _credentials;
    private readonly TimeProvider _time;

    public AccessTokenIssuer(AccessTokenSigningKey signingKey, TimeProvider time)
    {
        _credentials = new SigningCredentials(signingKey.Key, AccessTokenClaims.Algorithm);
        _time = time;
    }

    public static bool IsValidTtl(long seconds) => seconds is >= MinTtlSeconds and <= MaxTtlSeconds;

    public string Issue(ProxyKey key, int ttlSeconds)
    {
        if (!IsValidTtl(ttlSeconds))
        {
            throw new ArgumentOutOfRangeException(nameof(ttlSeconds), ttlSeconds, $"A token lives {MinTtlSeconds}–{MaxTtlSeconds} s.");
        }

        var now = _time.GetUtcNow();
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = AccessTokenClaims.Issuer,
            Audience = AccessTokenClaims.Issuer,
            IssuedAt = now.UtcDateTime,
            Expires = now.AddSeconds(ttlSeconds).UtcDateTime,
            SigningCredentials = _credentials,
            Claims = new Dictionary<string, object>(StringComparer.Ordinal)
            {
                [JwtRegisteredClaimNames.Sub] = key.CustomerId,
                [AccessTokenClaims.Customer] = key.CustomerId,
                [AccessTokenClaims.KeyId] = key.KeyId,
                [JwtRegisteredClaimNames.Jti] = Guid.CreateVersion7(now).ToString("N"),
            },
        };
        return _handler.CreateToken(descriptor);
    }
}
