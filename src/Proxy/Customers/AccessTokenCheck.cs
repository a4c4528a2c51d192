namespace Proxy.Customers;

/// <summary>What a presented access token turned out to be; the key and customer only when it is genuine and live.</summary>
internal sealed record AccessTokenCheck(AccessTokenOutcome Outcome, string? KeyId = null, string? CustomerId = null)
{
    public static readonly AccessTokenCheck Invalid = new(AccessTokenOutcome.Invalid);
}

internal enum AccessTokenOutcome
{
    Valid,

    /// <summary>Forged, malformed, another algorithm (or none), another issuer or audience.</summary>
    Invalid,

    /// <summary>Genuine but past its expiry.</summary>
    Expired,
}
