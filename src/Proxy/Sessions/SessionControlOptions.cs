namespace Proxy.Sessions;

/// <summary>Binds the <c>Sessions</c> configuration section: the defaults every customer's sessions run under
/// unless the customer has overrides (admin API), and how the instance enforces them.</summary>
internal sealed class SessionControlOptions
{
    public const string SectionName = "Sessions";

    /// <summary>Close a session after this long without activity; zero turns it off.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary><c>audio</c>, <c>messages</c> or <c>any</c> (see <see cref="Sessions.IdleMode"/>).</summary>
    public string IdleMode { get; set; } = "messages";

    /// <summary>Close a session this long after the upstream accepted it; zero turns it off. Below Deepgram's own
    /// cap of about two hours, so the proxy ends the session cleanly first.</summary>
    public TimeSpan MaxDuration { get; set; } = TimeSpan.FromMinutes(115);

    public TimeSpan IdleWarningLead { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan MaxDurationWarningLead { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long the peers get to answer the proxy's Close before both connections are aborted.</summary>
    public TimeSpan CloseGrace { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>On SIGTERM, how long live sessions may go on before they are closed with Close 1012.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How often idle and duration limits are checked: the precision of every forced close.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Whether the client's KeepAlive messages count as activity (they keep a billed session open).</summary>
    public bool KeepAliveIsActivity { get; set; }

    /// <summary>Whether WebSocket pings and pongs count as activity.</summary>
    public bool PingIsActivity { get; set; }

    /// <summary>Concurrent sessions of one customer across all instances; zero: unlimited.</summary>
    public int MaxConcurrentSessionsPerCustomer { get; set; }

    /// <summary>Concurrent sessions on this instance, all customers together; zero: unlimited.</summary>
    public int MaxConcurrentSessionsPerInstance { get; set; }

    /// <summary>How often live sessions renew their lease and refresh their open record.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A lease not renewed for this long is free again: the slots of a crashed instance come back.</summary>
    public TimeSpan LeaseTtl { get; set; } = TimeSpan.FromSeconds(30);
}
