using Proxy.Runtime;
using Proxy.Tests.TestSupport;

namespace Proxy.Tests.Runtime;

public sealed class ProxyReadinessTests
{
    [Theory]
    [InlineData(false, true, false, false, true)] // Redis up: ready, whatever the policy
    [InlineData(false, true, true, true, true)]
    [InlineData(false, false, false, false, false)] // Redis down, fail_closed
    [InlineData(false, false, true, false, true)] // Redis down, fail_open, room in the spool
    [InlineData(false, false, true, true, false)] // Redis down, fail_open, spool full
    [InlineData(true, true, true, false, false)] // stopping: never ready
    public void Ready_means_not_stopping_and_somewhere_to_write_records(bool stopping, bool redisConnected, bool failOpen, bool spoolFull, bool ready)
    {
        using var lifetime = new TestLifetime();
        var readiness = new ProxyReadiness(new TestStorageStatus(redisConnected, spoolFull, failOpen), lifetime);
        if (stopping)
        {
            lifetime.StopApplication();
        }

        Assert.Equal(ready, readiness.IsReady);
        Assert.Equal(stopping, readiness.IsStopping);
    }

    [Fact]
    public void Storage_state_is_read_at_each_question()
    {
        using var lifetime = new TestLifetime();
        var storage = new TestStorageStatus(IsRedisConnected: true, IsSpoolFull: false, FailOpen: false);
        var readiness = new ProxyReadiness(storage, lifetime);
        Assert.True(readiness.IsReady);

        storage.IsRedisConnected = false;

        Assert.False(readiness.IsRedisConnected);
        Assert.False(readiness.IsReady);
    }
}
