using System.Collections.Concurrent;

namespace Proxy.Sessions;

/// <summary>The live sessions of this instance.</summary>
internal sealed class SessionRegistry
{
    private readonly ConcurrentDictionary<string, AgentSession> _sessions = new(StringComparer.Ordinal);

    public int Count => _sessions.Count;

    public void Add(AgentSession session) => _sessions[session.SessionId] = session;

    public void Remove(AgentSession session) => _sessions.TryRemove(new KeyValuePair<string, AgentSession>(session.SessionId, session));

    public bool TryGet(string sessionId, out AgentSession? session) => _sessions.TryGetValue(sessionId, out session);

    public IReadOnlyCollection<AgentSession> Snapshot() => [.. _sessions.Values];

    public IReadOnlyList<AgentSession> OfCustomer(string customerId) =>
        [.. _sessions.Values.Where(s => s.Identity.CustomerId == customerId)];
}
