using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Proxy.Storage;
using StackExchange.Redis;

namespace Proxy.Tests.Storage;

/// <summary>The records-stream appender the stores use, on a test's Redis (replica confirmation as configured by
/// default: a Redis without replicas confirms at once).</summary>
internal static class TestRecordsStream
{
    public static RecordsStreamAppender Appender(IConnectionMultiplexer redis, RedisKeys keys) =>
        new(keys, new ReplicaAcknowledgement(redis, Options.Create(new StorageOptions()), TimeProvider.System, NullLogger<ReplicaAcknowledgement>.Instance));
}
