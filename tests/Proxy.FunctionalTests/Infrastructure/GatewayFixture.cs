namespace Proxy.FunctionalTests.Infrastructure;

/// <summary>One Redis, one emulator and one proxy shared by the functional tests (each test uses its own customers).</summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    private RedisServer? _redis;
    private EmulatorServer? _emulator;
    private ProxyServer? _proxy;

    internal RedisServer Redis => _redis!;

    internal EmulatorServer Emulator => _emulator!;

    internal ProxyServer Proxy => _proxy!;

    internal IEnumerable<string> EmulatorOutput => _emulator!.Output;

    public async Task InitializeAsync()
    {
        // The test host (test code, its JIT, xunit) yields the CPU to the processes under measurement: on a 2-core
        // machine the proxy and the emulator otherwise wait several ms for a core exactly while they timestamp a
        // session's start or end, which is noise in the comparison, not a property of either.
        using (var self = System.Diagnostics.Process.GetCurrentProcess())
        {
            self.PriorityClass = System.Diagnostics.ProcessPriorityClass.BelowNormal;
        }

        DurationLedger.Reset();
        _redis = await RedisServer.StartAsync();
        _emulator = await EmulatorServer.StartAsync();
        _proxy = await ProxyServer.StartAsync(_redis.Configuration, _emulator.WebSocketUrl);
        await WarmUp.RunAsync(_proxy);
    }

    /// <summary>Starts another proxy on the same Redis, for tests that need their own process or settings.</summary>
    internal Task<ProxyServer> StartProxyAsync(string? upstreamUrl = null, IDictionary<string, string>? settings = null) =>
        ProxyServer.StartAsync(Redis.Configuration, upstreamUrl ?? Emulator.WebSocketUrl, settings);

    public async Task DisposeAsync()
    {
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }

        if (_emulator is not null)
        {
            await _emulator.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}
