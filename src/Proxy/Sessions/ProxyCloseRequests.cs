using Proxy.Metering;

using Proxy.Tunnel;

namespace Proxy.Sessions;

/// <summary>The ways the proxy ends a session, each with the record reason, the client's Error and Close code.</summary>
internal static class ProxyCloseRequests
{
    public static ProxyCloseRequest IdleTimeout(TimeSpan idleTimeout) => new(
        CloseReasons.IdleTimeout,
        AgentControlMessages.IdleTimeout,
        $"No activity for {Describe(idleTimeout)}: the session was closed so it stops being billed.",
        1000);

    public static ProxyCloseRequest MaxDuration(TimeSpan maxDuration) => new(
        CloseReasons.MaxDuration,
        AgentControlMessages.MaxDuration,
        $"The session reached its maximum duration of {Describe(maxDuration)}.",
        1000);

    public static readonly ProxyCloseRequest AdminClosed = new(
        CloseReasons.AdminClosed,
        AgentControlMessages.ClosedByAdmin,
        "The session was closed by an administrator.",
        1000);

    public static readonly ProxyCloseRequest KeyRevoked = new(
        CloseReasons.KeyRevoked,
        AgentControlMessages.ClosedByAdmin,
        "The key this session was opened with has been revoked.",
        1000);

    /// <summary>The key expired while the session ran (the end of a rotation's overlap): it stops billing too.</summary>
    public static readonly ProxyCloseRequest KeyExpired = new(
        CloseReasons.KeyRevoked,
        AgentControlMessages.ClosedByAdmin,
        "The key this session was opened with has expired.",
        1000);

    public static readonly ProxyCloseRequest CustomerDisabled = new(
        CloseReasons.CustomerDisabled,
        AgentControlMessages.ClosedByAdmin,
        "The customer this session belongs to has been disabled.",
        1000);

    /// <summary>The monthly budget of the customer (or of the session's key) is spent: 1000, so SDKs do not reconnect
    /// into a 402.</summary>
    public static ProxyCloseRequest BudgetExhausted(string whose) => new(
        CloseReasons.BudgetExhausted,
        AgentControlMessages.BudgetExhausted,
        $"{whose} monthly budget is exhausted: the session was closed.",
        1000);

    /// <summary>1012 (service restart): Deepgram's SDKs reconnect, and land on another instance.</summary>
    public static readonly ProxyCloseRequest Shutdown = new(
        CloseReasons.Shutdown,
        AgentControlMessages.ServerShutdown,
        "This gateway instance is shutting down; reconnect to continue.",
        1012);

    /// <summary>The client broke the protocol or a limit: it gets the RFC 6455 code (1002, 1007, 1009) and nothing
    /// more; the upstream a normal Close.</summary>
    public static ProxyCloseRequest ClientViolation(FrameProtocolError error) => new(
        CloseReasons.ClientError,
        "PROTOCOL_ERROR",
        $"The client broke the WebSocket protocol or a limit: {error}.",
        FrameLimits.CloseCodeFor(error))
    {
        SendErrorMessage = false,
        IsProtocolViolation = true,
    };

    /// <summary>The upstream broke the protocol: the client is told (1014, bad gateway), the upstream gets the code.</summary>
    public static ProxyCloseRequest UpstreamViolation(FrameProtocolError error) => new(
        CloseReasons.UpstreamError,
        "UPSTREAM_PROTOCOL_ERROR",
        $"The agent API sent an invalid frame ({error}); the session was ended.",
        1014)
    {
        UpstreamCloseCode = FrameLimits.CloseCodeFor(error),
        IsProtocolViolation = true,
    };

    public static string Describe(TimeSpan span) =>
        span.TotalSeconds < 60 ? $"{span.TotalSeconds:0.###} s"
        : span.TotalMinutes < 60 ? $"{span.TotalMinutes:0.##} min"
        : $"{span.TotalHours:0.##} h";
}
