namespace Proxy.Customers;

/// <summary>The names and fixed values inside an access token.</summary>
internal static class AccessTokenClaims
{
    /// <summary>Issuer and audience: only this gateway mints and accepts its tokens.</summary>
    public const string Issuer = "dgproxy";

    /// <summary>The proxy key that minted the token: sessions are recorded to it, and its revocation ends the token.</summary>
    public const string KeyId = "key_id";

    /// <summary>The customer (also the <c>sub</c>).</summary>
    public const string Customer = "customer";

    /// <summary>The only signing algorithm accepted.</summary>
    public const string Algorithm = Microsoft.IdentityModel.Tokens.SecurityAlgorithms.HmacSha256;
}
