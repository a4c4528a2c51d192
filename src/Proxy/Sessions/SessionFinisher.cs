namespace Proxy.Sessions;

/// <summary>The end of every admitted session, however it ended (tunnel done, upstream refused, client gone): what is
/// left of its connections is closed, its place on a capped Deepgram key given back, its final record written (which
/// releases its customer lease), and only then does it
/// leave the registry.</summary>
internal sealed class SessionFinisher
{
    private readonly SessionRegistry _registry;
    private readonly SessionRecorder _recorder;
    private readonly UpstreamKeyLeases _upstreamKeyLeases;

    public SessionFinisher(SessionRegistry registry, SessionRecorder recorder, UpstreamKeyLeases upstreamKeyLeases)
    {
        _registry = registry;
        _recorder = recorder;
        _upstreamKeyLeases = upstreamKeyLeases;
    }

    public async Task FinishAsync(AgentSession session)
    {
        try
        {
            session.Tunnel.CloseUpstreamConnection();
            session.MarkTunnelEnded();

            // The Deepgram connection is closed: its place under the key's cap is free now, and the record (which
            // may have to wait for a spool) does not wait for Redis to take it back.
            var released = _upstreamKeyLeases.ReleaseAsync(session);
            await _recorder.RecordFinalAsync(session).ConfigureAwait(false);
            await released.ConfigureAwait(false);
        }
        finally
        {
            // Last: the drain waits for the registry to empty, and by then every record must be final.
            _registry.Remove(session);
            session.Dispose();
        }
    }
}
