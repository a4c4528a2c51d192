namespace Proxy.Customers;

/// <summary>A proxy key issued to a customer, without its secret (only its SHA-256 is ever stored).</summary>
internal sealed record ProxyKey
{
    public required string KeyId { get; init; }

    public required string CustomerId { get; init; }

    /// <summary>The first characters of the secret, so a customer can tell keys apart.</summary>
    public required string Prefix { get; init; }

    public long CreatedAtMs { get; init; }

    public long? ExpiresAtMs { get; init; }

    public long? RevokedAtMs { get; init; }

    /// <summary>The key's own monthly budget in micro-units of the customer's currency; null or 0: none.</summary>
    public long? MonthlyBudgetMicros { get; init; }

    /// <summary>Revoked with <c>close_sessions=false</c>: sessions opened before the revocation run on.</summary>
    public bool RevokedKeepingSessions { get; init; }

    public string StatusAt(long nowMs) =>
        RevokedAtMs is not null ? ProxyKeyStatus.Revoked
        : ExpiresAtMs is { } expires && expires <= nowMs ? ProxyKeyStatus.Expired
        : ProxyKeyStatus.Active;
}
