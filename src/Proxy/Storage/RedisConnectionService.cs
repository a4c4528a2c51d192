using StackExchange.Redis;

namespace Proxy.Storage;

/// <summary>Connects to Redis while the host starts, so the first session does not pay for the connection, and says
/// so when Redis is not there yet (the multiplexer keeps retrying; readiness reports it meanwhile).</summary>
internal sealed partial class RedisConnectionService : IHostedService
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

    [LoggerMessage(EventId = 4000, Level = LogLevel.Warning, Message = "Redis is not reachable at {Endpoints}; the proxy is not ready until it is, and keeps retrying")]
    private static partial void NotConnected(ILogger logger, string endpoints);
}
