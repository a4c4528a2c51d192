namespace Proxy.Metering;

/// <summary>The <c>close_reason</c> values of a session record (README.md, "Session record").</summary>
internal static class CloseReasons
{
    public const string ClientClosed = "client_closed";
    public const string UpstreamClosed = "upstream_closed";
    public const string ClientError = "client_error";
    public const string UpstreamError = "upstream_error";
    public const string Shutdown = "shutdown";
    public const string IdleTimeout = "idle_timeout";
    public const string MaxDuration = "max_duration";
    public const string AdminClosed = "admin_closed";
    public const string KeyRevoked = "key_revoked";
    public const string CustomerDisabled = "customer_disabled";

    /// <summary>The customer's (or the key's) monthly budget with <c>budget_action</c> <c>close</c> was reached.</summary>
    public const string BudgetExhausted = "budget_exhausted";

    /// <summary>Finalized by the reaper: the session's instance died; times are estimated from its last heartbeat.</summary>
    public const string Orphaned = "orphaned";
}
