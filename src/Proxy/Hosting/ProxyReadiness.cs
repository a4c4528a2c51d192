using Microsoft.Extensions.Options;
using Proxy.Storage;
using StackExchange.Redis;

namespace Proxy.Hosting;

/// <summary>
/// Whether this instance takes new sessions: not stopping, and either Redis is reachable or – under the fail_open
/// policy – the local spool can still take the records (it is under its size bound).
/// </summary>
internal sealed class ProxyReadiness
{
    private readonly IConnectionMultiplexer _redis;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly RecordSpool _spool;
    private readonly StorageOptions _storage;

    public ProxyReadiness(IConnectionMultiplexer redis, IHostApplicationLifetime lifetime, RecordSpool spool, IOptions<StorageOptions> storage)
    {
        _redis = redis;
        _lifetime = lifetime;
        _spool = spool;
        _storage = storage.Value;
    }

    public bool IsStopping => _lifetime.ApplicationStopping.IsCancellationRequested;

    public bool IsRedisConnected => _redis.IsConnected;

    public bool IsSpoolFull => _spool.IsFull;

    public bool FailOpen => _storage.IsFailOpen;

    public bool IsReady => !IsStopping && (IsRedisConnected || (FailOpen && !IsSpoolFull));
}
