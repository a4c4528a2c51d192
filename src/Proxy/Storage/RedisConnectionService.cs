using StackExchange.Redis;

namespace Proxy.Storage;

/// <summary>Connects to Redis while the host starts, so the first session does not pay for the connection, and says
/// so when Redis is not there yet (the multiplexer keeps retrying; readiness reports it meanwhile). Closes the
/// connection once everything else has stopped.</summary>
internal sealed partial class RedisConnectionService : IHostedLifecycleService
{
    private readonly IServiceProvider _services;
    private readonly ILogger<RedisConnectionService> _logger;

    public RedisConnectionService(IServiceProvider services, ILogger<RedisConnectionService> logger)
    {
        _services = services;
        _logger = logger;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var redis = _services.GetRequiredService<IConnectionMultiplexer>();
        if (!redis.IsConnected)
        {
            // Endpoints only: the configuration string may hold a password.
            NotConnected(_logger, string.Join(',', redis.GetEndPoints().Select(e => e.ToString())));
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// After every service has stopped (the drain has written every record, to Redis or the spool), closes the
    /// connection without waiting for commands still in flight. Left to the container's disposal, the close would send
    /// QUIT and wait for an answer that a frozen or partitioned Redis never gives; a command still pending fails at
    /// once instead, and a record write among them goes to the spool.
    /// </summary>
    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _services.GetRequiredService<IConnectionMultiplexer>().CloseAsync(allowCommandsToComplete: false).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException or InvalidOperationException)
        {
            CloseFailed(_logger, ex.Message);
        }
    }

    [LoggerMessage(EventId = 4000, Level = LogLevel.Warning, Message = "Redis is not reachable at {Endpoints}; the proxy is not ready until it is, and keeps retrying")]
    private static partial void NotConnected(ILogger logger, string endpoints);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Closing the Redis connection at shutdown failed, the process exits anyway: {Reason}")]
    private static partial void CloseFailed(ILogger logger, string reason);
}
