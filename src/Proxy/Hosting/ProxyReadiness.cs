using StackExchange.Redis;

namespace Proxy.Hosting;

/// <summary>Whether this instance takes new sessions: Redis reachable (keys and records live there) and not stopping.</summary>
internal sealed class ProxyReadiness
{
    private readonly IConnectionMultiplexer _redis;
    private readonly IHostApplicationLifetime _lifetime;

    public ProxyReadiness(IConnectionMultiplexer redis, IHostApplicationLifetime lifetime)
    {
        _redis = redis;
        _lifetime = lifetime;
    }

    public bool IsStopping => _lifetime.ApplicationStopping.IsCancellationRequested;

    public bool IsRedisConnected => _redis.IsConnected;

    public bool IsReady => !IsStopping && IsRedisConnected;
}
