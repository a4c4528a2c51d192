using Microsoft.Extensions.Options;
using Proxy.Runtime;
using StackExchange.Redis;

namespace Proxy.Storage;

/// <summary>The jobs one instance at a time does for the whole cluster, each with its own lock and interval.</summary>
internal sealed class LockedPeriodicJobs
{
    private readonly IConnectionMultiplexer _redis;
    private readonly RedisConnectionState _connection;
    private readonly RedisKeys _keys;
    private readonly ProxyInstance _instance;
    private readonly TimeProvider _time;

    public LockedPeriodicJobs(
        IConnectionMultiplexer redis,
        RedisConnectionState connection,
        RedisKeys keys,
        ProxyInstance instance,
        IOptions<StorageOptions> options,
        TimeProvider time)
    {
        _redis = redis;
        _connection = connection;
        _keys = keys;
        _instance = instance;
        _time = time;
        OrphanReaper = new LockedPeriodicJob(redis, connection, keys.ReaperLock, instance.Id, options.Value.ReaperInterval, time);
        RetentionSweep = new LockedPeriodicJob(redis, connection, keys.RetentionLock, instance.Id, options.Value.RetentionSweepInterval, time);
    }

    /// <summary>Finalizes the sessions of instances that died.</summary>
    public LockedPeriodicJob OrphanReaper { get; }

    /// <summary>Trims what cannot expire by itself; every instance looks at the records stream each pass.</summary>
    public LockedPeriodicJob RetentionSweep { get; }

    /// <summary>Deletes retired customer Deepgram keys at Deepgram (Billing's retirement job, whose interval is
    /// Billing's configuration).</summary>
    public LockedPeriodicJob UpstreamKeyRetirement(TimeSpan interval) =>
        new(_redis, _connection, _keys.UpstreamKeyRetirementLock, _instance.Id, interval, _time);
    /// <summary>Billing's scheduled reconciliation with Deepgram, every <paramref name="interval"/> (its own setting).</summary>
    public LockedPeriodicJob ScheduledReconciliation(TimeSpan interval) =>
        new(_redis, _connection, _keys.ReconcileScheduleLock, _instance.Id, interval, _time);
}
