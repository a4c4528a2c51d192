using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Proxy.Storage;

/// <summary>
/// Whether a replica holds what was just written to a key: replication is asynchronous, and a master that dies before
/// its replica got a final record takes the record with it when the replica is promoted. <c>WAIT 1</c> on the master
/// serving the key answers whether one replica has everything this connection wrote; a record it does not confirm
/// stays in the spool, and the replay writes it again (the finalize is idempotent). A master without replicas (a
/// single Redis, or a replica just promoted by a failover) has nothing to wait for.
/// </summary>
internal sealed partial class ReplicaAcknowledgement
{
    /// <summary>How long a master's replica count is trusted: a topology change (a failover, a replica added) is
    /// seen within this.</summary>
    internal static readonly TimeSpan ReplicaCountTtl = TimeSpan.FromSeconds(1);

    /// <summary>After a <c>WAIT</c> that no replica answered, further records on that master are not confirmed for this
    /// long without asking: <c>WAIT</c> holds the connection to that master (every command behind it waits), so a
    /// stalled replica must not cost each final record the whole timeout.</summary>
    internal static readonly TimeSpan LaggingBackoff = TimeSpan.FromSeconds(1);

    // Rewrites the key's own expiry: changes nothing, but is replicated, so this connection's last write (what WAIT
    // waits for) is at least the record, even when the record was written by another connection (a replay after a
    // restart, or after a reconnect).
    private const string Touch = """
        local at = redis.call('PEXPIRETIME', KEYS[1])
        if at > 0 then redis.call('PEXPIREAT', KEYS[1], at) end
        return at
        """;

    private const string ClusterNodesScript = "return redis.call('CLUSTER', 'NODES')";

    private const string ReplicationInfoScript = "return redis.call('INFO', 'replication')";

    private readonly IConnectionMultiplexer _redis;
    private readonly IOptions<StorageOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ReplicaAcknowledgement> _logger;
    private readonly ConcurrentDictionary<EndPoint, MasterState> _masters = new();

    public ReplicaAcknowledgement(IConnectionMultiplexer redis, IOptions<StorageOptions> options, TimeProvider time, ILogger<ReplicaAcknowledgement> logger)
    {
        _redis = redis;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>True when a replica of the master serving <paramref name="key"/> acknowledged everything up to the key's
    /// latest write within <c>Storage:ReplicaAckTimeout</c>, or when there is nothing to wait for (the check is off,
    /// or the master has no replica). Throws <see cref="StorageUnavailableException"/> when it cannot tell: the
    /// record is then spooled like any write Redis did not take.</summary>
    public async Task<bool> ConfirmAsync(RedisKey key)
    {
        var timeout = _options.Value.ReplicaAckTimeout;
        if (timeout <= TimeSpan.Zero)
        {
            return true;
        }

        try
        {
            return await WaitForReplicaAsync(key, timeout).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not (StorageUnavailableException or OutOfMemoryException))
        {
            // Whatever the client throws (a command it refuses is not a RedisException): the record must reach the
            // spool, not escape as a write that failed.
            throw new StorageUnavailableException($"Could not ask the replicas of the Redis node serving {key}: {ex.Message}", ex);
        }
    }

    private async Task<bool> WaitForReplicaAsync(RedisKey key, TimeSpan timeout)
    {
        // The master from the client's slot map, with no round trip. Both commands go to that node and are not
        // redirected: were the map stale (a failover, a slot moved), the touch answers MOVED or READONLY and the
        // record is spooled and replayed, rather than a WAIT on one node vouching for a write on another.
        var server = _redis.GetServer(key);
        var endpoint = server.EndPoint;
        var state = _masters.GetOrAdd(endpoint, static _ => new MasterState());
        if (await state.ReplicasAsync(server, _time).ConfigureAwait(false) == 0)
        {
            return true;
        }

        var now = _time.GetTimestamp();
        if (state.LaggingSince is var since and not 0 && _time.GetElapsedTime(since, now) < LaggingBackoff)
        {
            return false;
        }

        // Sent before this caller's WAIT is (the connection keeps the order), so whichever WAIT it joins covers it.
        var touch = server.ExecuteAsync("EVAL", [Touch, 1, key], CommandFlags.NoRedirect);
        var acknowledged = state.JoinNextWait(server, (long)timeout.TotalMilliseconds);
        await touch.ConfigureAwait(false);
        if (await acknowledged.ConfigureAwait(false) >= 1)
        {
            state.LaggingSince = 0;
            return true;
        }

        state.LaggingSince = _time.GetTimestamp();
        NotAcknowledged(_logger, endpoint.ToString() ?? "?", state.LastReplicaCount, (long)timeout.TotalMilliseconds);
        return false;
    }

    /// <summary>Replicas of this master, asked through a script (INFO and CLUSTER are admin commands to the client,
    /// which the gateway does not enable). On a Cluster, every replica the cluster lists for it, reachable or not: a
    /// replica cut off or stalled still counts (it is what a failover would promote), so records wait in the spool
    /// until it catches up or is removed from the cluster; a promoted master lists none (its old master is a failed
    /// master until it comes back as its replica). On a single Redis (or Sentinel), the replicas connected now.</summary>
    private static async Task<int> ReplicasOfAsync(IServer server)
    {
        if (server.ServerType == ServerType.Cluster)
        {
            return ReplicasInClusterNodes((string?)await server.ExecuteAsync("EVAL", ClusterNodesScript, 0).ConfigureAwait(false) ?? string.Empty);
        }

        var info = (string?)await server.ExecuteAsync("EVAL", ReplicationInfoScript, 0).ConfigureAwait(false) ?? string.Empty;
        foreach (var line in info.Split('\n'))
        {
            if (line.StartsWith("connected_slaves:", StringComparison.Ordinal)
                && int.TryParse(line.AsSpan("connected_slaves:".Length).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            {
                return count;
            }
        }

        return 0;
    }

    /// <summary>How many nodes in a <c>CLUSTER NODES</c> answer name the answering node (<c>myself</c>) as their master.</summary>
    internal static int ReplicasInClusterNodes(string clusterNodes)
    {
        var lines = WithoutVerbatimFormat(clusterNodes).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' '))
            .Where(fields => fields.Length > 3)
            .ToList();
        var myself = lines.FirstOrDefault(fields => fields[2].Split(',').Contains("myself"))?[0];
        return myself is null ? 0 : lines.Count(fields => fields[3] == myself);
    }

    /// <summary>Over RESP3, <c>CLUSTER NODES</c> is a verbatim string and the client may hand it over with its format
    /// (<c>txt:</c>) in front: left there, it would glue onto the first node's id, and a master listed first in its
    /// own answer would count none of its replicas.</summary>
    internal static string WithoutVerbatimFormat(string text) =>
        text.StartsWith("txt:", StringComparison.Ordinal) ? text["txt:".Length..] : text;

    /// <summary>One master as seen from this instance: its replica count (read at most once per
    /// <see cref="ReplicaCountTtl"/>, however many finals arrive together) and its WAITs, one at a time.</summary>
    private sealed class MasterState
    {
        private readonly Lock _gate = new();
        private Task<int>? _replicas;
        private long _replicasReadAt;
        private long _laggingSince;
        private Task<long>? _waitInFlight;
        private TaskCompletionSource<long>? _nextWait;
        private long _nextWaitTimeoutMs;

        public int LastReplicaCount => _replicas is { IsCompletedSuccessfully: true } read ? read.Result : 0;

        /// <summary>When a WAIT on this master was last answered by no replica; 0 once one answers.</summary>
        public long LaggingSince
        {
            get => Volatile.Read(ref _laggingSince);
            set => Volatile.Write(ref _laggingSince, value);
        }

        public Task<int> ReplicasAsync(IServer server, TimeProvider time)
        {
            lock (_gate)
            {
                var now = time.GetTimestamp();
                if (_replicas is null || _replicas.IsFaulted || _replicas.IsCanceled
                    || (_replicas.IsCompleted && time.GetElapsedTime(_replicasReadAt, now) >= ReplicaCountTtl))
                {
                    _replicas = ReplicasOfAsync(server);
                    _replicasReadAt = now;
                }

                return _replicas;
            }
        }

        /// <summary>The answer of a WAIT sent after this call: the one sent now if none is in flight, else the next
        /// one, sent as soon as the one in flight is answered and shared by every caller that joined it meanwhile.
        /// A WAIT holds the connection to its master (every command behind it waits), and one WAIT covers every
        /// write before it on that connection: finals that end together cost one WAIT, not one each in a row.</summary>
        public Task<long> JoinNextWait(IServer server, long timeoutMs)
        {
            lock (_gate)
            {
                if (_waitInFlight is null)
                {
                    _waitInFlight = SendWait(server, timeoutMs);
                    return _waitInFlight;
                }

                _nextWait ??= new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
                _nextWaitTimeoutMs = Math.Max(_nextWaitTimeoutMs, timeoutMs);
                return _nextWait.Task;
            }
        }

        private Task<long> SendWait(IServer server, long timeoutMs)
        {
            // Not run inline: a WAIT answered at once (a connection already gone) would otherwise reach SendNext before
            // the caller, holding the gate, has recorded it as the one in flight.
            var wait = AskAsync(server, timeoutMs);
            _ = wait.ContinueWith(_ => SendNext(server), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            return wait;
        }

        private void SendNext(IServer server)
        {
            lock (_gate)
            {
                if (_nextWait is not { } joined)
                {
                    _waitInFlight = null;
                    return;
                }

                _nextWait = null;
                var timeoutMs = _nextWaitTimeoutMs;
                _nextWaitTimeoutMs = 0;
                _waitInFlight = SendWait(server, timeoutMs);
                _ = _waitInFlight.ContinueWith(
                    static (wait, state) =>
                    {
                        var joined = (TaskCompletionSource<long>)state!;
                        if (wait.IsCompletedSuccessfully)
                        {
                            joined.TrySetResult(wait.Result);
                        }
                        else if (wait.Exception is { } failed)
                        {
                            joined.TrySetException(failed.InnerExceptions);
                        }
                        else
                        {
                            joined.TrySetCanceled();
                        }
                    },
                    joined, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }

        private static async Task<long> AskAsync(IServer server, long timeoutMs) =>
            (long)await server.ExecuteAsync("WAIT", [1, timeoutMs], CommandFlags.NoRedirect).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 4111, Level = LogLevel.Warning,
        Message = "No replica of Redis master {Endpoint} (replicas: {Replicas}) acknowledged a final record within {TimeoutMs} ms; the record stays in the spool until one does")]
    private static partial void NotAcknowledged(ILogger logger, string endpoint, int replicas, long timeoutMs);
}
