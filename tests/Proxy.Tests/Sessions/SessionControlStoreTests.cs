using System.Threading.Channels;
using Proxy.Sessions;
using Proxy.Storage;
using StackExchange.Redis;

namespace Proxy.Tests.Sessions;

/// <summary>The control channel's pub/sub against a real redis-server.</summary>
public sealed class SessionControlStoreTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private readonly string _prefix = $"t{Guid.NewGuid():N}:";
    private RedisServer? _redis;

    private IConnectionMultiplexer Connection => _redis!.Connection!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    [Fact]
    public async Task Messages_arrive_one_after_the_other_in_the_order_published()
    {
        var store = new SessionControlStore(Connection, new RedisKeys(_prefix));
        var received = Channel.CreateUnbounded<string>();
        var handling = 0;
        var overlapped = false;
        await store.SubscribeAsync(async message =>
        {
            overlapped |= Interlocked.Increment(ref handling) > 1;
            await Task.Delay(20);
            Interlocked.Decrement(ref handling);
            received.Writer.TryWrite(message);
        });

        string[] sent = ["""{"kind":"close_session","session_id":"s1"}""", "second", "third"];
        foreach (var message in sent)
        {
            Assert.Equal(1, await store.PublishAsync(message));
        }

        foreach (var message in sent)
        {
            Assert.Equal(message, await received.Reader.ReadAsync().AsTask().WaitAsync(Bound));
        }

        Assert.False(overlapped, "a message was handed over while the one before was still being handled");
    }

    [Fact]
    public async Task The_channel_is_the_prefixed_control_channel_other_tools_listen_on()
    {
        var store = new SessionControlStore(Connection, new RedisKeys(_prefix));
        var outside = await Connection.GetSubscriber().SubscribeAsync(RedisChannel.Literal(_prefix + "control"));

        Assert.Equal(1, await store.PublishAsync("hello"));
        var message = await outside.ReadAsync().AsTask().WaitAsync(Bound);
        Assert.Equal("hello", (string?)message.Message);
    }

    [Fact]
    public async Task After_unsubscribing_this_instance_no_longer_listens()
    {
        var store = new SessionControlStore(Connection, new RedisKeys(_prefix));
        var subscription = await store.SubscribeAsync(_ => Task.CompletedTask);
        Assert.Equal(1, await store.PublishAsync("hello"));

        await subscription.UnsubscribeAsync();

        Assert.Equal(0, await store.PublishAsync("hello"));
    }
}
