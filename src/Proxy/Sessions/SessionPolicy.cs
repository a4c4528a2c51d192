namespace Proxy.Sessions;

/// <summary>
/// The session-control rules one session runs under: the global defaults with its customer's overrides applied.
/// Replaced as a whole when an admin changes the customer's settings, also for sessions already open.
/// </summary>
internal sealed record SessionPolicy
{
    /// <summary>Zero: no idle timeout.</summary>
    public TimeSpan IdleTimeout { get; init; }

    public IdleMode IdleMode { get; init; }

    /// <summary>Zero: no maximum.</summary>
    public TimeSpan MaxDuration { get; init; }

    /// <summary>How long before the idle close the client gets a Warning; zero: none.</summary>
    public TimeSpan IdleWarningLead { get; init; }

    /// <summary>How long before the max-duration close the client gets a Warning; zero: none.</summary>
    public TimeSpan MaxDurationWarningLead { get; init; }

    /// <summary>Concurrent sessions of one customer across all instances; zero: unlimited.</summary>
    public int MaxConcurrentSessions { get; init; }

    /// <summary>Whether KeepAlive messages count as activity (global setting).</summary>
    public bool KeepAliveIsActivity { get; init; }

    /// <summary>Whether WebSocket pings and pongs count as activity (global setting).</summary>
    public bool PingIsActivity { get; init; }

    /// <summary>The last instant that counts as activity under this policy.</summary>
    public long LastActivity(SessionActivity activity) => activity.LastCounted(IdleMode, KeepAliveIsActivity, PingIsActivity);
}
