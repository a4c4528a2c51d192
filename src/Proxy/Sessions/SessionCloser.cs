using Microsoft.Extensions.Options;
using Proxy.Telemetry;

namespace Proxy.Sessions;

/// <summary>Starts the proxy's close of a session without making the caller (a sweep, a pub/sub message) wait for it.</summary>
internal sealed class SessionCloser
{
    private readonly IOptionsMonitor<SessionControlOptions> _options;
    private readonly ProxyMetrics _metrics;
    private readonly ILogger<SessionCloser> _logger;

    public SessionCloser(IOptionsMonitor<SessionControlOptions> options, ProxyMetrics metrics, ILogger<SessionCloser> logger)
    {
        _options = options;
        _metrics = metrics;
        _logger = logger;
    }

    public Task CloseAsync(AgentSession session, ProxyCloseRequest request)
    {
        if (session.ProxyClose is not null)
        {
            return Task.CompletedTask;
        }

        _metrics.ForcedClose(request.IsProtocolViolation ? "protocol_violation" : request.CloseReason);
        SessionControlLog.ForcedClose(_logger, session.SessionId, session.Identity.CustomerId, request.CloseReason, request.ClientCloseCode);
        return CloseCoreAsync(session, request);
    }

    private async Task CloseCoreAsync(AgentSession session, ProxyCloseRequest request)
    {
        try
        {
            await session.CloseByProxyAsync(request, _options.CurrentValue.CloseGrace).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            SessionControlLog.CloseFailed(_logger, session.SessionId, ex);
        }
    }
}
