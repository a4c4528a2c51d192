using Proxy.Storage;
using StackExchange.Redis;

namespace Proxy.Tests.Storage;

public sealed class StorageFailuresTests
{
    [Fact]
    public void Every_failure_the_redis_client_reports_is_a_redis_failure_an_error_reply_included()
    {
        Assert.True(StorageFailures.IsRedisFailure(new RedisConnectionException(ConnectionFailureType.UnableToConnect, CommandFlags.None, "down", null, CommandStatus.Unknown)));
        Assert.True(StorageFailures.IsRedisFailure(new RedisTimeoutException(CommandFlags.None, "slow", CommandStatus.Sent)));
        Assert.True(StorageFailures.IsRedisFailure(new TimeoutException("bounded call gave up")));
        Assert.True(StorageFailures.IsRedisFailure(new RedisServerException(RedisErrorKind.UnknownError, CommandFlags.None, "ERR unknown command")));

        // Unlike an outage: an error reply is a bug of ours, not Redis being away.
        Assert.False(StorageFailures.IsUnavailable(new RedisServerException(RedisErrorKind.UnknownError, CommandFlags.None, "ERR unknown command")));
    }

    [Fact]
    public void Anything_else_is_not()
    {
        Assert.False(StorageFailures.IsRedisFailure(new InvalidOperationException("bug")));
        Assert.False(StorageFailures.IsRedisFailure(new OperationCanceledException()));
        Assert.False(StorageFailures.IsRedisFailure(new StorageUnavailableException("policy says no")));
    }
}
