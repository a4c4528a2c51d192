namespace Proxy.Storage;

/// <summary>What an instance last wrote about itself to the instance registry (<see cref="InstanceRegistryStore"/>).
/// Instants are Unix ms on the writer's clock; <paramref name="IntervalMs"/> is how often it writes.</summary>
internal sealed record InstanceEntry(
    string InstanceId,
    bool Ready,
    bool RedisConnected,
    int LiveSessions,
    long SpoolPendingBytes,
    long StartedAtMs,
    long LastSeenMs,
    long IntervalMs)
{
    /// <summary>How many of its intervals an instance may miss before it is shown as stale: one late write (a busy
    /// machine, a Redis hiccup) is not a dead instance.</summary>
    public const int MissedIntervalsWhenStale = 3;

    /// <summary>Not seen for <see cref="MissedIntervalsWhenStale"/> of its own intervals at <paramref name="nowMs"/>:
    /// stopped, cut off from Redis, or hung.</summary>
    public bool IsStaleAt(long nowMs) => nowMs - LastSeenMs > MissedIntervalsWhenStale * IntervalMs;
}
