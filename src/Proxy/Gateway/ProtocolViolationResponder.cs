using Proxy.Sessions;
using Proxy.Telemetry;
using Proxy.Tunnel;

namespace Proxy.Gateway;

/// <summary>A peer that breaks the protocol (or a frame limit) ends its session: counted, logged, and the proxy closes
/// both sides with the codes that say who was at fault.</summary>
internal sealed class ProtocolViolationResponder
{
    private readonly SessionCloser _closer;
    private readonly ProxyMetrics _metrics;
    private readonly ILogger<ProtocolViolationResponder> _logger;

    public ProtocolViolationResponder(SessionCloser closer, ProxyMetrics metrics, ILogger<ProtocolViolationResponder> logger)
    {
        _closer = closer;
        _metrics = metrics;
        _logger = logger;
        Respond = OnViolation;
    }

    /// <summary>The session's <see cref="AgentSession.ProtocolViolation"/> handler (one delegate for all sessions).</summary>
    public Action<AgentSession, TunnelSide, FrameProtocolError> Respond { get; }

    private void OnViolation(AgentSession session, TunnelSide from, FrameProtocolError error)
    {
        _metrics.ProtocolViolation(from == TunnelSide.Client ? "client" : "upstream", ProtocolErrorLabel.Of(error));
        GatewayLog.ProtocolViolation(_logger, session.SessionId, from.ToString(), error.ToString());
        _ = _closer.CloseAsync(session, from == TunnelSide.Client ? ProxyCloseRequests.ClientViolation(error) : ProxyCloseRequests.UpstreamViolation(error));
    }
}
