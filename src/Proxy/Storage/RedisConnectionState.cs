using System.Net;
using StackExchange.Redis;

namespace Proxy.Storage;

/// <summary>
/// Since when this instance has been connected to Redis without a break. The reaper waits a full lease period after
/// a reconnect, so live sessions (whose instances reconnect too) have renewed their leases before anyone is reaped.
/// On a Redis Cluster only the nodes that serve slots count: a master that failed over (its replica now serves its
/// slots) stays in the node list and is retried for ever, and a replica is never read from – neither may hold the
/// clock at zero.
/// </summary>
internal sealed class RedisConnectionState : IDisposable
{
    private readonly IConnectionMultiplexer _redis;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly HashSet<EndPoint> _down = [];
    private long _connectedSince;

    public RedisConnectionState(IConnectionMultiplexer redis, TimeProvider time)
    {
        _redis = redis;
        _time = time;
        _connectedSince = redis.IsConnected ? time.GetTimestamp() : 0;
        redis.ConnectionFailed += OnFailed;
        redis.ConnectionRestored += OnRestored;
        redis.ConfigurationChanged += OnConfigurationChanged;
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
        _redis.ConfigurationChanged -= OnConfigurationChanged;
    }

    private void OnFailed(object? sender, ConnectionFailedEventArgs e)
    {
        lock (_gate)
        {
            if (e.EndPoint is null || ServesSlots(e.EndPoint))
            {
                if (e.EndPoint is not null)
                {
                    _down.Add(e.EndPoint);
                }

                Volatile.Write(ref _connectedSince, 0);
                return;
            }

            // A node that serves nothing (any more): its failures say nothing about the data.
            _down.Remove(e.EndPoint);
            UpAgainIfNoneDown();
        }
    }

    private void OnRestored(object? sender, ConnectionFailedEventArgs e)
    {
        lock (_gate)
        {
            if (e.EndPoint is not null)
            {
                _down.Remove(e.EndPoint);
            }

            UpAgainIfNoneDown();
        }

        Restored?.Invoke();
    }

    /// <summary>While a node counted as down keeps the clock at zero although others are connected: reads the slot
    /// map again, since a failover may have handed its slots to a node that is up. The client would notice only when
    /// a command is redirected or at its periodic check (a minute), and until then the reaper would not run.</summary>
    public async Task RecheckDownNodesAsync()
    {
        lock (_gate)
        {
            if (_down.Count == 0 || !_redis.IsConnected)
            {
                return;
            }
        }

        await _redis.ConfigureAsync().ConfigureAwait(false);
        ForgetNodesThatServeNothing();
    }

    // A failover moved the slots of a node that is down to one that is up: the data is reachable again.
    private void OnConfigurationChanged(object? sender, EndPointEventArgs e) => ForgetNodesThatServeNothing();

    private void ForgetNodesThatServeNothing()
    {
        lock (_gate)
        {
            _down.RemoveWhere(endPoint => !ServesSlots(endPoint));
            UpAgainIfNoneDown();
        }
    }

    private void UpAgainIfNoneDown()
    {
        if (_down.Count == 0 && _redis.IsConnected)
        {
            Interlocked.CompareExchange(ref _connectedSince, _time.GetTimestamp(), 0);
        }
    }

    // Whether the node serves data, by the slot maps the connected nodes gave last; a plain (non-cluster) Redis has
    // no map, and its one node always serves. The client leaves nodes flagged failed out of a map, and refreshes one
    // node's map at a time (others may still show a failed-over master with its slots): one map that shows the node
    // without slots, or not at all, is the later word.
    private bool ServesSlots(EndPoint endPoint)
    {
        foreach (var server in _redis.GetServers())
        {
            if (server.IsConnected && server.ServerType == ServerType.Cluster && server.ClusterConfiguration is { } map
                && (map[endPoint] is not { } node || node.IsReplica || node.Slots.Count == 0))
            {
                return false;
            }
        }

        return true;
    }
}
