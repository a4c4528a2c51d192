using Microsoft.Extensions.Options;
using Proxy.Runtime;
using StackExchange.Redis;

namespace Proxy.Storage;

/// <summary>Redis' connection, the spool's bound and the Redis-down policy, as readiness reads them.</summary>
internal sealed class RecordStorageStatus : IRecordStorageStatus
{
    private readonly IConnectionMultiplexer _redis;
    private readonly RecordSpool _spool;
    private readonly StorageOptions _options;

    public RecordStorageStatus(IConnectionMultiplexer redis, RecordSpool spool, IOptions<StorageOptions> options)
    {
        _redis = redis;
        _spool = spool;
        _options = options.Value;
    }

    public bool IsRedisConnected => _redis.IsConnected;

    public bool IsSpoolFull => _spool.IsFull;

    public bool FailOpen => _options.IsFailOpen;
}
