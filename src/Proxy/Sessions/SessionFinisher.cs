namespace Proxy.Sessions;

/// <summary>The end of every admitted session, however it ended (tunnel done, upstream refused, client gone): what is
/// left of its connections is closed, its final record written (which releases its lease), and only then does it
/// leave the registry.</summary>
internal sealed class SessionFinisher
{
    private readonly SessionRegistry _registry;
    private readonly SessionRecorder _recorder;

    public SessionFinisher(SessionRegistry registry, SessionRecorder recorder)
    {
        _registry = registry;
        _recorder = recorder;
    }

    public async Task FinishAsync(AgentSession session)
    {
        try
        {
            session.Tunnel.CloseUpstreamConnection();
            session.MarkTunnelEnded();
            await _recorder.RecordFinalAsync(session).ConfigureAwait(false);
        }
        finally
        {
            // Last: the drain waits for the registry to empty, and by then every record must be final.
            _registry.Remove(session);
            session.Dispose();
        }
    }
}
