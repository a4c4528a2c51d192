using Proxy.FunctionalTests.ScaleOut;
using StackExchange.Redis;

namespace Proxy.FunctionalTests.Cluster;

/// <summary>A Redis Cluster (three masters, one replica each), the emulator and two proxy instances on it, with
/// <see cref="TwoInstanceSettings"/>: what an operator past one Redis runs. One per test class.</summary>
public sealed class ClusterGatewayFixture : IAsyncLifetime, ITwoInstanceGateway
{
    private RedisCluster? _cluster;
    private EmulatorServer? _emulator;
    private ProxyServer? _first;
    private ProxyServer? _second;

    internal RedisCluster Cluster => _cluster!;

    internal EmulatorServer Emulator => _emulator!;

    internal ProxyServer First => _first!;

    internal ProxyServer Second => _second!;

    internal IReadOnlyList<ProxyServer> Instances => [First, Second];

    ProxyServer ITwoInstanceGateway.First => First;

    ProxyServer ITwoInstanceGateway.Second => Second;

    IReadOnlyList<ProxyServer> ITwoInstanceGateway.Instances => Instances;

    IDatabase ITwoInstanceGateway.Database => Cluster.Database;

    int ITwoInstanceGateway.MasterCount => RedisCluster.Masters;

    IReadOnlyList<IServer> ITwoInstanceGateway.Masters =>
        [.. Cluster.Connection.GetServers().Where(s => !s.IsReplica).OrderBy(s => s.EndPoint.ToString(), StringComparer.Ordinal)];

    public async Task InitializeAsync()
    {
        _cluster = await RedisCluster.StartAsync(durable: true);
        _emulator = await EmulatorServer.StartAsync();
        _first = await StartProxyAsync();
        _second = await StartProxyAsync();
    }

    internal Task<ProxyServer> StartProxyAsync(IDictionary<string, string>? overrides = null) =>
        ProxyServer.StartAsync(Cluster.Configuration, Emulator.WebSocketUrl, TwoInstanceSettings.For("dgproxy-spool-cluster-", overrides));

    Task<ProxyServer> ITwoInstanceGateway.StartProxyAsync(IDictionary<string, string>? overrides) => StartProxyAsync(overrides);

    // Customer names tried in order until each master owns the slots of perMaster of them.
    async Task<IReadOnlyList<string>> ITwoInstanceGateway.CustomersOnEveryMasterAsync(string prefix, int perMaster)
    {
        var byMaster = new Dictionary<int, List<string>>();
        for (var n = 0; n < 1000 && (byMaster.Count < RedisCluster.Masters || byMaster.Values.Any(c => c.Count < perMaster)); n++)
        {
            var customer = $"{prefix}-{n}";
            var master = await Cluster.MasterPortOfAsync($"dgp:{{{customer}}}:leases");
            var list = byMaster.TryGetValue(master, out var existing) ? existing : byMaster[master] = [];
            if (list.Count < perMaster)
            {
                list.Add(customer);
            }
        }

        Assert.Equal(RedisCluster.Masters, byMaster.Count);
        return [.. byMaster.Values.SelectMany(c => c)];
    }

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

        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
