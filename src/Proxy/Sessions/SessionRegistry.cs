using System.Collections.Concurrent;

namespace Proxy.Sessions;

/// <summary>The live sessions of this instance, and the traffic of those that have ended.</summary>
internal sealed class SessionRegistry
{
    private readonly ConcurrentDictionary<string, AgentSession> _sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SessionSlot> _slots = new(StringComparer.Ordinal);

    // Admission's counts: slots taken (sessions being admitted and live ones) and, per customer, the slots counted
    // for it. Checked and changed under one lock, never across an await.
    private readonly Lock _admission = new();
    private readonly Dictionary<string, int> _perCustomer = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _perUpstreamKey = new(StringComparer.Ordinal);
    private int _taken;

    // Taken only when a session leaves and when metrics are read, never per frame: a session's counts move from the
    // live set to the retired sum in one step, so a reader never counts them twice or not at all.
    private readonly Lock _retire = new();
    private TrafficCounts _retired;

    public int Count => _sessions.Count;

    /// <summary>Takes a place on this instance unless <paramref name="maxPerInstance"/> (0: no cap) are taken;
    /// null when the instance is full.</summary>
    public SessionSlot? TryReserve(int maxPerInstance)
    {
        lock (_admission)
        {
            if (maxPerInstance > 0 && _taken >= maxPerInstance)
            {
                return null;
            }

            _taken++;
        }

        return new SessionSlot(this);
    }

    /// <summary>Counts the slot for its customer unless the customer already has <paramref name="maxPerCustomer"/>
    /// (0: no limit) on this instance; <paramref name="held"/> is the customer's count before this one.</summary>
    public bool TryCountForCustomer(SessionSlot slot, string customerId, int maxPerCustomer, out int held)
    {
        lock (_admission)
        {
            held = _perCustomer.GetValueOrDefault(customerId);
            if (slot.CustomerId is not null || (maxPerCustomer > 0 && held >= maxPerCustomer))
            {
                return false;
            }

            _perCustomer[customerId] = held + 1;
            slot.CustomerId = customerId;
            return true;
        }
    }

    /// <summary>Counts the slot for the Deepgram key it will dial with unless that key already has
    /// <paramref name="maxPerUpstreamKey"/> (0: no limit) sessions on this instance; <paramref name="held"/> is the key's
    /// count before this one.</summary>
    public bool TryCountForUpstreamKey(SessionSlot slot, string upstreamKeyId, int maxPerUpstreamKey, out int held)
    {
        lock (_admission)
        {
            held = _perUpstreamKey.GetValueOrDefault(upstreamKeyId);
            if (slot.UpstreamKeyId is not null || (maxPerUpstreamKey > 0 && held >= maxPerUpstreamKey))
            {
                return false;
            }

            _perUpstreamKey[upstreamKeyId] = held + 1;
            slot.UpstreamKeyId = upstreamKeyId;
            return true;
        }
    }

    /// <summary>Adds an admitted session; its slot is given back when it is removed.</summary>
    public void Add(AgentSession session, SessionSlot? slot = null)
    {
        if (slot is not null)
        {
            _slots[session.SessionId] = slot;
        }

        _sessions[session.SessionId] = session;
    }

    public void Remove(AgentSession session)
    {
        lock (_retire)
        {
            if (_sessions.TryRemove(new KeyValuePair<string, AgentSession>(session.SessionId, session)))
            {
                _retired += TrafficCounts.Of(session);
            }
        }

        if (_slots.TryRemove(session.SessionId, out var slot))
        {
            slot.Dispose();
        }
    }

    internal void Release(SessionSlot slot)
    {
        lock (_admission)
        {
            _taken--;
            if (slot.CustomerId is { } customerId)
            {
                Decrement(_perCustomer, customerId);
            }

            if (slot.UpstreamKeyId is { } upstreamKeyId)
            {
                Decrement(_perUpstreamKey, upstreamKeyId);
            }
        }
    }

    private static void Decrement(Dictionary<string, int> counts, string name)
    {
        var left = counts.GetValueOrDefault(name) - 1;
        if (left > 0)
        {
            counts[name] = left;
        }
        else
        {
            counts.Remove(name);
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
