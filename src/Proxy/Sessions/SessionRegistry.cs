using System.Collections.Concurrent;

namespace Proxy.Sessions;

/// <summary>The live sessions of this instance, and the traffic of those that have ended.</summary>
internal sealed class SessionRegistry
{
    private readonly ConcurrentDictionary<string, AgentSession> _sessions = new(StringComparer.Ordinal);

    // Taken only when a session leaves and when metrics are read, never per frame: a session's counts move from the
    // live set to the retired sum in one step, so a reader never counts them twice or not at all.
    private readonly Lock _retire = new();
    private TrafficCounts _retired;

    public int Count => _sessions.Count;

    public void Add(AgentSession session) => _sessions[session.SessionId] = session;

    public void Remove(AgentSession session)
    {
        lock (_retire)
        {
            if (_sessions.TryRemove(new KeyValuePair<string, AgentSession>(session.SessionId, session)))
            {
                _retired += TrafficCounts.Of(session);
            }
        }
    }

    public bool TryGet(string sessionId, out AgentSession? session) => _sessions.TryGetValue(sessionId, out session);

    public IReadOnlyCollection<AgentSession> Snapshot() => [.. _sessions.Values];

    public IReadOnlyList<AgentSession> OfCustomer(string customerId) =>
        [.. _sessions.Values.Where(s => s.Identity.CustomerId == customerId)];

    /// <summary>Everything forwarded since this process started, by the sessions that ended and the live ones.</summary>
    public TrafficCounts TrafficTotals()
    {
        lock (_retire)
        {
            var totals = _retired;
            foreach (var session in _sessions.Values)
            {
                totals += TrafficCounts.Of(session);
            }

            return totals;
        }
    }
}
