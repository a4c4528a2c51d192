using Microsoft.Extensions.Time.Testing;
using Proxy.Storage;
using StackExchange.Redis;

namespace Proxy.Tests.Storage;

/// <summary>The connection clock the reaper waits on, against a real redis-server and a real Redis Cluster; its own
/// time on a fake clock.</summary>
public sealed class RedisConnectionStateTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(40);

    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task The_clock_stops_while_redis_is_down_and_counts_from_its_return()
    {
        await using var redis = await RedisServer.StartAsync();
        using var state = new RedisConnectionState(redis.Connection!, _time);
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(TimeSpan.FromSeconds(5), state.ConnectedFor);

        var restored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        state.Restored += () => restored.TrySetResult();
        await redis.KillAsync();
        await PollAsync(() => Task.FromResult(state.ConnectedFor == TimeSpan.Zero));

        await redis.RestartAsync();
        await restored.Task.WaitAsync(Bound);

        // Both of the client's connections (commands, pub/sub) come back, in either order: once the clock runs, it
        // runs with time.
        await PollAsync(() =>
        {
            _time.Advance(TimeSpan.FromMilliseconds(100));
            return Task.FromResult(state.ConnectedFor > TimeSpan.Zero);
        });
        var since = state.ConnectedFor;
        Assert.True(since <= Bound, since.ToString());
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(since + TimeSpan.FromSeconds(2), state.ConnectedFor);
    }

    [Fact]
    public async Task A_master_that_failed_over_to_its_replica_stops_the_clock_only_until_the_replica_serves()
    {
        await using var cluster = await RedisCluster.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(cluster.Configuration);
        using var state = new RedisConnectionState(connection, _time);
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(TimeSpan.FromSeconds(5), state.ConnectedFor);

        await cluster.KillMasterAsync(0);
        await PollAsync(() => Task.FromResult(state.ConnectedFor == TimeSpan.Zero));

        // The dead master is retried for ever and never comes back; its replica serves its slots now.
        await PollAsync(async () =>
        {
            await state.RecheckDownNodesAsync();
            _time.Advance(TimeSpan.FromSeconds(1));
            return state.ConnectedFor > TimeSpan.Zero;
        });
        Assert.True(connection.IsConnected);
    }

    private static async Task PollAsync(Func<Task<bool>> done)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (!await done())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not reached within {Bound}");
            await Task.Delay(100);
        }
    }
}
