using StackExchange.Redis;

namespace Proxy.Storage;

/// <summary>
/// A background job that runs a pass every interval on every instance, while its cluster-wide work is done by one
/// instance at a time: the one holding the job's <see cref="RedisLock"/>. The lock is taken for three intervals, so a
/// holder that died hands it on soon and a living one keeps it from pass to pass. No pass runs while Redis is
/// unreachable; a failed pass is reported, and the next one comes on time.
/// </summary>
internal sealed class LockedPeriodicJob
{
    private readonly IConnectionMultiplexer _redis;
    private readonly RedisConnectionState _connection;
    private readonly RedisKey _lock;
    private readonly string _owner;
    private readonly TimeProvider _time;

    public LockedPeriodicJob(IConnectionMultiplexer redis, RedisConnectionState connection, RedisKey lockKey, string owner, TimeSpan interval, TimeProvider time)
    {
        _redis = redis;
        _connection = connection;
        _lock = lockKey;
        _owner = owner;
        Interval = interval;
        _time = time;
    }

    public TimeSpan Interval { get; }

    /// <summary>Takes or extends the job's lock; returns whether this instance holds it now.</summary>
    public Task<bool> TryHoldLockAsync() => RedisLock.TryHoldAsync(_redis.GetDatabase(), _lock, _owner, 3 * Interval);

    /// <summary>Gives the lock up if this instance holds it (a graceful stop), so another instance takes over at its
    /// next pass rather than after the expiry.</summary>
    public Task<bool> ReleaseLockAsync() => RedisLock.ReleaseAsync(_redis.GetDatabase(), _lock, _owner);

    /// <summary>Runs <paramref name="pass"/> every interval until <paramref name="stoppingToken"/> fires, the first
    /// right away when <paramref name="firstPassAtOnce"/>; a pass's failure goes to <paramref name="passFailed"/>.</summary>
    public async Task RunAsync(Func<CancellationToken, Task> pass, Action<Exception> passFailed, bool firstPassAtOnce, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, _time);
        if (!firstPassAtOnce && !await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            return;
        }

        do
        {
            if (!_connection.IsConnected)
            {
                continue;
            }

            try
            {
                await pass(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
            {
                passFailed(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
