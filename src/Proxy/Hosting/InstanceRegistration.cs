using Microsoft.Extensions.Options;
using Proxy.Runtime;
using Proxy.Sessions;
using Proxy.Storage;

namespace Proxy.Hosting;

/// <summary>
/// Writes this instance's entry to the instance registry (<see cref="InstanceRegistryStore"/>) at start and every
/// <c>Sessions:HeartbeatInterval</c>: readiness, Redis, live sessions, spool backlog. A clean stop takes it off the
/// list; an instance that dies just stops writing, and readers show it stale after three intervals.
/// </summary>
internal sealed partial class InstanceRegistration : BackgroundService
{
    private readonly InstanceRegistryStore _store;
    private readonly ProxyInstance _instance;
    private readonly ProxyReadiness _readiness;
    private readonly SessionRegistry _sessions;
    private readonly RecordSpool _spool;
    private readonly RedisConnectionState _connection;
    private readonly IOptionsMonitor<SessionControlOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<InstanceRegistration> _logger;
    private readonly long _startedAtMs;

    public InstanceRegistration(
        InstanceRegistryStore store,
        ProxyInstance instance,
        ProxyReadiness readiness,
        SessionRegistry sessions,
        RecordSpool spool,
        RedisConnectionState connection,
        IOptionsMonitor<SessionControlOptions> options,
        TimeProvider time,
        ILogger<InstanceRegistration> logger)
    {
        _store = store;
        _instance = instance;
        _readiness = readiness;
        _sessions = sessions;
        _spool = spool;
        _connection = connection;
        _options = options;
        _time = time;
        _logger = logger;
        _startedAtMs = time.GetUtcNow().ToUnixTimeMilliseconds();
    }

    /// <summary>This instance's entry as of now.</summary>
    public InstanceEntry Entry() => new(
        _instance.Id,
        _readiness.IsReady,
        _readiness.IsRedisConnected,
        _sessions.Count,
        _spool.PendingBytes,
        _startedAtMs,
        _time.GetUtcNow().ToUnixTimeMilliseconds(),
        (long)_options.CurrentValue.HeartbeatInterval.TotalMilliseconds);

    /// <summary>Writes the entry once; false when Redis is unreachable or refused it (the next interval tries again).</summary>
    public async Task<bool> WriteAsync()
    {
        if (!_connection.IsConnected)
        {
            return false;
        }

        try
        {
            await _store.WriteAsync(Entry()).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
        {
            NotWritten(_logger, ex.Message);
            return false;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await WriteAsync().ConfigureAwait(false);
        using var timer = new PeriodicTimer(_options.CurrentValue.HeartbeatInterval, _time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            await WriteAsync().ConfigureAwait(false);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (!_connection.IsConnected)
        {
            return;
        }

        try
        {
            await _store.RemoveAsync(_instance.Id).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Left for readers to show stale, then drop.
            NotWritten(_logger, ex.Message);
        }
    }

    [LoggerMessage(EventId = 110, Level = LogLevel.Warning, Message = "Could not write this instance's entry to the instance registry (the next interval tries again): {Reason}")]
    private static partial void NotWritten(ILogger logger, string reason);
}
