using StackExchange.Redis;

namespace Proxy.Storage;

/// <summary>
/// Since when this instance has been connected to Redis without a break. The reaper waits a full lease period after
/// a reconnect, so live sessions (whose instances reconnect too) have renewed their leases before anyone is reaped.
/// </summary>
internal sealed class RedisConnectionState : IDisposable
{
    private readonly IConnectionMultiplexer _redis;
    private readonly TimeProvider _time;
    private long _connectedSince;

    public RedisConnectionState(IConnectionMultiplexer redis, TimeProvider time)
    {
        _redis = redis;
        _time = time;
        _connectedSince = redis.IsConnected ? time.GetTimestamp() : 0;
        redis.ConnectionFailed += OnFailed;
        redis.ConnectionRestored += OnRestored;
    }

    /// <summary>Raised when the connection comes back, for whoever must catch up at once.</summary>
    public event Action? Restored;

    public bool IsConnected => _redis.IsConnected;

    /// <summary>How long the connection has been up without a break; zero while it is down.</summary>
    public TimeSpan ConnectedFor
    {
        get
        {
            var since = Volatile.Read(ref _connectedSince);
            return since == 0 || !_redis.IsConnected ? TimeSpan.Zero : _time.GetElapsedTime(since);
        }
    }

    public void Dispose()
    {
        _redis.ConnectionFailed -= OnFailed;
        _redis.ConnectionRestored -= OnRestored;
    }

    private void OnFailed(object? sender, ConnectionFailedEventArgs e) => Volatile.Write(ref _connectedSince, 0);

    private void OnRestored(object? sender, ConnectionFailedEventArgs e)
    {
        Interlocked.CompareExchange(ref _connectedSince, _time.GetTimestamp(), 0);
        Restored?.Invoke();
    }
}
