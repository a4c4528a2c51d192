namespace Proxy.Sessions;

/// <summary>A customer's own session-control settings; a null field inherits the global default.</summary>
internal sealed record SessionSettingsOverrides
{
    public static readonly SessionSettingsOverrides None = new();

    public TimeSpan? IdleTimeout { get; init; }

    public IdleMode? IdleMode { get; init; }

    public TimeSpan? MaxDuration { get; init; }

    public TimeSpan? IdleWarningLead { get; init; }

    public TimeSpan? MaxDurationWarningLead { get; init; }

    public int? MaxConcurrentSessions { get; init; }
}
