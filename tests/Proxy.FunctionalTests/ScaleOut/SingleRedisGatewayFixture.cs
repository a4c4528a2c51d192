using StackExchange.Redis;

namespace Proxy.FunctionalTests.ScaleOut;

/// <summary>One durable redis-server (every write fsynced to its append-only file, as in production), the emulator
/// and two proxy instances on it, with <see cref="TwoInstanceSettings"/>: scale-out without a cluster. One per test
/// class.</summary>
public sealed class SingleRedisGatewayFixture : IAsyncLifetime, ITwoInstanceGateway
{
    private RedisServer? _redis;
    private ConnectionMultiplexer? _admin;
    private EmulatorServer? _emulator;
    private ProxyServer? _first;
    private ProxyServer? _second;

    ProxyServer ITwoInstanceGateway.First => _first!;

    ProxyServer ITwoInstanceGateway.Second => _second!;

    IReadOnlyList<ProxyServer> ITwoInstanceGateway.Instances => [_first!, _second!];

    IDatabase ITwoInstanceGateway.Database => _redis!.Database;

    int ITwoInstanceGateway.MasterCount => 1;

    IReadOnlyList<IServer> ITwoInstanceGateway.Masters => [.. _admin!.GetServers().Where(s => !s.IsReplica)];

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync(durable: true);

        // The eviction-policy scenario sets CONFIG, which the client library allows only on an admin connection.
        _admin = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration + ",allowAdmin=true");
        _emulator = await EmulatorServer.StartAsync();
        _first = await StartProxyAsync();
        _second = await StartProxyAsync();
    }

    private Task<ProxyServer> StartProxyAsync(IDictionary<string, string>? overrides = null) =>
        ProxyServer.StartAsync(_redis!.Configuration, _emulator!.WebSocketUrl, TwoInstanceSettings.For("dgproxy-spool-single-", overrides));

    Task<ProxyServer> ITwoInstanceGateway.StartProxyAsync(IDictionary<string, string>? overrides) => StartProxyAsync(overrides);

    // One master owns every key: any perMaster distinct customers are on every master.
    Task<IReadOnlyList<string>> ITwoInstanceGateway.CustomersOnEveryMasterAsync(string prefix, int perMaster) =>
        Task.FromResult<IReadOnlyList<string>>([.. Enumerable.Range(0, perMaster).Select(n => $"{prefix}-{n}")]);

    public async Task DisposeAsync()
    {
        foreach (var proxy in new[] { _first, _second })
        {
            if (proxy is not null)
            {
                await proxy.DisposeAsync();
            }
        }

        if (_emulator is not null)
        {
            await _emulator.DisposeAsync();
        }

        if (_admin is not null)
        {
            await _admin.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}
