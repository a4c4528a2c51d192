using StackExchange.Redis;

namespace Proxy.Storage;

/// <summary>
/// Warns when Redis may evict keys. Under any <c>maxmemory-policy</c> but <c>noeviction</c>, a full Redis silently
/// deletes keys to make room: session records (billing truth), leases (concurrency limits), usage aggregates. With
/// <c>noeviction</c> it refuses writes instead, which the proxy sees and answers (spool, readiness). Checked at start,
/// after every reconnect and hourly, on every primary; read from <c>INFO memory</c>, which managed Redis services
/// that rename or block <c>CONFIG</c> still answer (when nothing answers, that is logged: it could not be checked).
/// </summary>
internal sealed partial class RedisEvictionPolicyCheck : BackgroundService
{
    internal const string Required = "noeviction";

    private const string InfoScript = "return redis.call('INFO', 'memory')";

    private static readonly TimeSpan Recheck = TimeSpan.FromHours(1);
    private static readonly TimeSpan RetryUnchecked = TimeSpan.FromSeconds(5);

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisConnectionState _connection;
    private readonly StorageMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<RedisEvictionPolicyCheck> _logger;
    private readonly SemaphoreSlim _reconnected = new(0, 1);

    public RedisEvictionPolicyCheck(
        IConnectionMultiplexer redis, RedisConnectionState connection, StorageMetrics metrics, TimeProvider time, ILogger<RedisEvictionPolicyCheck> logger)
    {
        _redis = redis;
        _connection = connection;
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    /// <summary>Checks every connected primary; returns whether all run <c>noeviction</c> (<c>null</c> when unknown).</summary>
    public async Task<bool?> CheckAsync()
    {
        bool? allOk = null;
        foreach (var server in _redis.GetServers())
        {
            if (!server.IsConnected || server.IsReplica)
            {
                continue;
            }

            string? policy;
            try
            {
                // Through a script: the client library allows INFO (and CONFIG) only on admin-mode connections, which
                // would also unlock FLUSHALL and the like for the whole process; a script may call INFO, not CONFIG.
                policy = Policy((string?)await server.ExecuteAsync("EVAL", InfoScript, 0).ConfigureAwait(false));
            }
            catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
            {
                NotChecked(_logger, server.EndPoint.ToString() ?? "?", ex.Message);
                continue;
            }

            if (policy is null)
            {
                NotChecked(_logger, server.EndPoint.ToString() ?? "?", "INFO memory has no maxmemory_policy");
                continue;
            }

            var ok = string.Equals(policy, Required, StringComparison.Ordinal);
            if (!ok)
            {
                EvictionAllowed(_logger, server.EndPoint.ToString() ?? "?", policy);
            }

            allOk = (allOk ?? true) && ok;
        }

        _metrics.EvictionPolicyChecked(allOk);
        return allOk;
    }

    /// <summary>The <c>maxmemory_policy</c> line of an INFO answer (<c>name:value</c> lines).</summary>
    internal static string? Policy(string? info)
    {
        const string Field = "maxmemory_policy:";
        foreach (var line in (info ?? string.Empty).Split('\n'))
        {
            if (line.StartsWith(Field, StringComparison.Ordinal))
            {
                return line[Field.Length..].Trim();
            }
        }

        return null;
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _connection.Restored += OnRestored;
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _connection.Restored -= OnRestored;
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        _reconnected.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var checkedNow = false;
            if (_redis.IsConnected)
            {
                try
                {
                    await CheckAsync().ConfigureAwait(false);
                    checkedNow = true;
                }
                catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
                {
                    NotChecked(_logger, "*", ex.Message);
                }
            }

            // Until the next reconnect or the hourly look (an operator may change the policy at run time); soon again
            // while Redis has not been reached yet.
            using var timeout = new CancellationTokenSource(checkedNow ? Recheck : RetryUnchecked, _time);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, timeout.Token);
            try
            {
                await _reconnected.WaitAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
            }
        }
    }

    private void OnRestored()
    {
        try
        {
            _reconnected.Release();
        }
        catch (SemaphoreFullException)
        {
            // A check is due already.
        }
    }

    [LoggerMessage(EventId = 4300, Level = LogLevel.Warning, Message = "Redis {Endpoint} runs with maxmemory-policy {Policy}, not noeviction: when it fills up it silently deletes keys – session records, leases, usage – instead of refusing writes. Set maxmemory-policy noeviction")]
    private static partial void EvictionAllowed(ILogger logger, string endpoint, string policy);

    [LoggerMessage(EventId = 4301, Level = LogLevel.Warning, Message = "Could not check Redis {Endpoint}'s maxmemory-policy (it must be noeviction): {Reason}")]
    private static partial void NotChecked(ILogger logger, string endpoint, string reason);
}
