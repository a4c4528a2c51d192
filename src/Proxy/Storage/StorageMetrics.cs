using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Proxy.Telemetry;

namespace Proxy.Storage;

/// <summary>
/// What keeps Redis from growing without bound, and what would let it silently drop data: the records stream (length,
/// cap, oldest unread entry, entries trimmed before every consumer group had them), the retention sweep, and whether
/// Redis may evict keys. Exported as <c>dgproxy_records_stream_*</c>, <c>dgproxy_retention_sweeps_total</c>,
/// <c>dgproxy_redis_eviction_policy_ok</c>.
/// </summary>
internal sealed class StorageMetrics
{
    private readonly Counter<long> _streamTrimmed;
    private readonly Counter<long> _streamTrimmedUnread;
    private readonly Counter<long> _sweeps;
    private readonly object _gate = new();
    private RecordStreamState? _stream;
    private int _evictionPolicyOk = -1;

    public StorageMetrics(IMeterFactory meterFactory, IOptions<StorageOptions> options)
    {
        var meter = meterFactory.Create(ProxyMetrics.MeterName);
        _streamTrimmed = meter.CreateCounter<long>("dgproxy.records.stream.trimmed",
            description: "Entries trimmed from the records stream, by reason: delivered (every consumer group had them) or cap (Storage:StreamMaxLength).");
        _streamTrimmedUnread = meter.CreateCounter<long>("dgproxy.records.stream.trimmed.unread",
            description: "Entries the stream cap trimmed before every consumer group had been delivered (and had acknowledged) them.");
        _sweeps = meter.CreateCounter<long>("dgproxy.retention.sweeps", description: "Retention sweep passes this instance ran while holding the retention lock, by result (ok, failed).");
        meter.CreateObservableGauge("dgproxy.records.stream.entries", () => Observe(s => s.Length),
            description: "Entries in the records stream, as of this instance's last sweep.");
        meter.CreateObservableGauge("dgproxy.records.stream.groups", () => Observe(s => (long)s.Groups),
            description: "Consumer groups reading the records stream, as of this instance's last sweep.");
        meter.CreateObservableGauge("dgproxy.records.stream.limit.entries", () => options.Value.StreamMaxLength,
            description: "The records stream's hard cap (Storage:StreamMaxLength).");
        meter.CreateObservableGauge("dgproxy.records.stream.oldest.unread.age", () => Observe(s => s.OldestUnreadAge.TotalSeconds), "s",
            "Age of the oldest stream entry some consumer group has not been delivered or not acknowledged (0 when none or no group).");
        meter.CreateObservableGauge("dgproxy.redis.eviction.policy.ok", ObserveEvictionPolicy,
            description: "1 when Redis runs with maxmemory-policy noeviction, 0 when it may evict keys (records, leases); absent until checked or when it cannot be checked.");

        // Present from the start at 0, so an alert on their increase sees the very first trimmed entry.
        StreamTrimmed(delivered: 0, capped: 0, unread: 0);
        _sweeps.Add(0, new KeyValuePair<string, object?>("result", "failed"));
    }

    public void StreamObserved(RecordStreamState state)
    {
        lock (_gate)
        {
            _stream = state;
        }
    }

    public void StreamTrimmed(long delivered, long capped, long unread)
    {
        _streamTrimmed.Add(delivered, new KeyValuePair<string, object?>("reason", "delivered"));
        _streamTrimmed.Add(capped, new KeyValuePair<string, object?>("reason", "cap"));
        _streamTrimmedUnread.Add(unread);
    }

    public void SweepRan(bool ok) => _sweeps.Add(1, new KeyValuePair<string, object?>("result", ok ? "ok" : "failed"));

    /// <summary>Whether Redis may evict keys: <c>null</c> when it could not be checked.</summary>
    public void EvictionPolicyChecked(bool? ok) => Volatile.Write(ref _evictionPolicyOk, ok switch { true => 1, false => 0, null => -1 });

    private IEnumerable<Measurement<T>> Observe<T>(Func<RecordStreamState, T> value)
        where T : struct
    {
        RecordStreamState? state;
        lock (_gate)
        {
            state = _stream;
        }

        return state is null ? [] : [new Measurement<T>(value(state))];
    }

    private IEnumerable<Measurement<int>> ObserveEvictionPolicy() =>
        Volatile.Read(ref _evictionPolicyOk) is var ok and >= 0 ? [new Measurement<int>(ok)] : [];
}
