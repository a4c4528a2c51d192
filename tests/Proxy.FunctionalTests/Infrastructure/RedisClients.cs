using StackExchange.Redis;

namespace Proxy.FunctionalTests.Infrastructure;

/// <summary>
/// Redis's view of its clients (CLIENT LIST): a test finds one proxy's connections by the client name the proxy sets
/// (<c>dgproxy-&lt;instance id&gt;</c>).
/// </summary>
internal sealed class RedisClients : IAsyncDisposable
{
    private readonly ConnectionMultiplexer _connection;

    private RedisClients(ConnectionMultiplexer connection)
    {
        _connection = connection;
    }

    public static async Task<RedisClients> ConnectAsync(RedisServer redis) =>
        new(await ConnectionMultiplexer.ConnectAsync(redis.Configuration + ",allowAdmin=true").ConfigureAwait(false));

    private IServer Server => _connection.GetServer(_connection.GetEndPoints()[0]);

    public async Task<bool> IsSubscribedAsync(string instanceId) => (await SubscribersAsync(instanceId).ConfigureAwait(false)).Count > 0;

    private async Task<List<ClientInfo>> SubscribersAsync(string instanceId)
    {
        var clients = await Server.ClientListAsync().ConfigureAwait(false);
        return [.. clients.Where(c => c.Name == "dgproxy-" + instanceId && c.SubscriptionCount > 0)];
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
