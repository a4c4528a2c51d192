using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Cluster;

/// <summary>A Redis Cluster (three masters, one replica each), the emulator and two proxy instances on it, with
/// <see cref="GatewayFixture.ShortSessionControl"/>: what an operator past one Redis runs. One per test class.</summary>
public sealed class ClusterGatewayFixture : IAsyncLifetime
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

    internal static Dictionary<string, string> Settings(string spoolDirectory) => new(GatewayFixture.ShortSessionControl)
    {
        ["Storage:ReaperInterval"] = "00:00:01",
        ["Storage:SpoolDirectory"] = spoolDirectory,
    };

    public async Task InitializeAsync()
    {
        _cluster = await RedisCluster.StartAsync(durable: true);
        _emulator = await EmulatorServer.StartAsync();
        _first = await StartProxyAsync();
        _second = await StartProxyAsync();
    }

    internal Task<ProxyServer> StartProxyAsync(IDictionary<string, string>? overrides = null)
    {
        var settings = Settings(Directory.CreateTempSubdirectory("dgproxy-spool-cluster-").FullName);
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        return ProxyServer.StartAsync(Cluster.Configuration, Emulator.WebSocketUrl, settings);
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
