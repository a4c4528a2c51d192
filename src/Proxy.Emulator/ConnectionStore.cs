using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Proxy.Emulator;

/// <summary>The most recent connection records, oldest evicted first, so a long benchmark cannot exhaust memory.</summary>
internal sealed class ConnectionStore(IOptions<EmulatorOptions> options)
{
    private readonly int _limit = options.Value.ConnectionHistoryLimit;
    private readonly ConcurrentDictionary<string, ConnectionRecord> _byId = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<ConnectionRecord> _order = new();
    private readonly Lock _evictionGate = new();

    public void Add(ConnectionRecord record)
    {
        _byId[record.RequestId] = record;
        _order.Enqueue(record);
        lock (_evictionGate)
        {
            while (_order.Count > _limit && _order.TryDequeue(out var evicted))
            {
                _byId.TryRemove(evicted.RequestId, out _);
            }
        }
    }

    public ConnectionRecord? Find(string requestId) => _byId.GetValueOrDefault(requestId);

    /// <summary>All kept records, oldest first.</summary>
    public ConnectionSnapshot[] Snapshot() => [.. _order.Select(record => record.ToSnapshot())];
}
