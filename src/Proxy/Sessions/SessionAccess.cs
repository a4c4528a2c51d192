using Proxy.Customers;

namespace Proxy.Sessions;

/// <summary>Whether a live session may go on billing: its key is neither revoked (unless revoked with
/// <c>close_sessions=false</c>) nor expired, and its customer is not disabled.</summary>
internal static class SessionAccess
{
    /// <summary>The close the session is owed, or null when it may go on. Unknown key or customer: go on (a record
    /// that cannot be read is not a revocation).</summary>
    public static ProxyCloseRequest? CloseOwed(Customer? customer, ProxyKey? key, long nowMs) =>
        customer is { Disabled: true } ? ProxyCloseRequests.CustomerDisabled
        : key is null ? null
        : key.RevokedAtMs is not null ? (key.RevokedKeepingSessions ? null : ProxyCloseRequests.KeyRevoked)
        : key.ExpiresAtMs is { } expiresAtMs && expiresAtMs <= nowMs ? ProxyCloseRequests.KeyExpired
        : null;
}
