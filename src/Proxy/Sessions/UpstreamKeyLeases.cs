using Proxy.Storage;

namespace Proxy.Sessions;

/// <summary>
/// The live side of the cap per Deepgram key: the heartbeat renews the leases of the sessions on capped keys (and
/// takes one for a session admitted while Redis was down), and a session gives its lease back as it finishes. A
/// lease that cannot be given back (Redis unreachable) expires after <c>Sessions:LeaseTtl</c>, like a dead instance's.
/// </summary>
internal sealed class UpstreamKeyLeases
{
    private readonly UpstreamKeyLeaseStore _store;
    private readonly ILogger<UpstreamKeyLeases> _logger;

    public UpstreamKeyLeases(UpstreamKeyLeaseStore store, ILogger<UpstreamKeyLeases> logger)
    {
        _store = store;
        _logger = logger;
    }

    /// <summary>One script per capped key for the live sessions on it.</summary>
    public Task RenewAsync(IEnumerable<AgentSession> live, TimeSpan ttl)
    {
        var renewals = new List<Task>();
        foreach (var group in live.Where(s => s.Identity.UpstreamKeyFingerprint is not null).GroupBy(s => s.Identity.UpstreamKeyFingerprint!))
        {
            renewals.Add(RenewKeyAsync(group.Key, [.. group], ttl));
        }

        return Task.WhenAll(renewals);
    }

    public async Task ReleaseAsync(AgentSession session)
    {
        if (session.Identity.UpstreamKeyFingerprint is not { } fingerprint)
        {
            return;
        }

        try
        {
            await _store.ReleaseAsync(fingerprint, session.SessionId).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            SessionControlLog.UpstreamKeyLeaseReleaseFailed(_logger, session.SessionId, fingerprint, ex.Message);
        }
    }

    private async Task RenewKeyAsync(string fingerprint, List<AgentSession> sessions, TimeSpan ttl)
    {
        try
        {
            var missing = await _store.RenewAsync(fingerprint, [.. sessions.Select(s => (s.SessionId, !s.UpstreamKeyLeaseHeld))], ttl).ConfigureAwait(false);
            foreach (var session in sessions)
            {
                // A lease Redis lost (a failover to a replica that missed it) is taken again at the next beat. One
                // released because the session ended is not: an ended session is in no later beat.
                session.UpstreamKeyLeaseHeld = !missing.Contains(session.SessionId);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            SessionControlLog.UpstreamKeyLeaseRenewFailed(_logger, sessions.Count, fingerprint, ex.Message);
        }
    }
}
