using Proxy.Storage;
using StackExchange.Redis;

namespace Proxy.Sessions;

/// <summary>The control channel in Redis: pub/sub of the control messages' text, one channel for every instance.</summary>
internal sealed class SessionControlStore
{
    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;

    public SessionControlStore(IConnectionMultiplexer redis, RedisKeys keys)
    {
        _redis = redis;
        _keys = keys;
    }

    /// <summary>Returns how many instances were listening (this one included).</summary>
    public Task<long> PublishAsync(string message) => _redis.GetSubscriber().PublishAsync(_keys.ControlChannel, message);

    /// <summary>Hands each message to <paramref name="onMessage"/> in the order published, one after the other. Once
    /// subscribed, the client re-subscribes by itself after any reconnect.</summary>
    public async Task<Subscription> SubscribeAsync(Func<string, Task> onMessage)
    {
        var queue = await _redis.GetSubscriber().SubscribeAsync(_keys.ControlChannel).ConfigureAwait(false);
        queue.OnMessage(message => onMessage(message.Message.ToString()));
        return new Subscription(queue);
    }

    internal sealed class Subscription
    {
        private readonly ChannelMessageQueue _queue;

        public Subscription(ChannelMessageQueue queue) => _queue = queue;

        public Task UnsubscribeAsync() => _queue.UnsubscribeAsync();
    }
}
