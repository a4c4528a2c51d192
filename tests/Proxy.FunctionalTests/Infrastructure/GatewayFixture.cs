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

        MeasurementLedger.Reset();
        _redis = await RedisServer.StartAsync();
        _emulator = await EmulatorServer.StartAsync();
        _proxy = await ProxyServer.StartAsync(_redis.Configuration, _emulator.WebSocketUrl);
        await WarmUp.RunAsync(_proxy);
    }

    /// <summary>Session-control settings short enough for tests: 1.5 s idle timeout with a 0.6 s warning lead,
    /// swept every 50 ms, 1 s heartbeats and 3 s leases.</summary>
    internal static readonly Dictionary<string, string> ShortSessionControl = new()
    {
        ["Sessions:IdleTimeout"] = "00:00:01.500",
        ["Sessions:IdleWarningLead"] = "00:00:00.600",
        ["Sessions:SweepInterval"] = "00:00:00.050",
        ["Sessions:HeartbeatInterval"] = "00:00:01",
        ["Sessions:LeaseTtl"] = "00:00:03",
        ["Sessions:DrainTimeout"] = "00:00:02",
    };

    private Task<ProxyServer>? _shortTimeouts;
    private Task<ProxyServer>? _limited;

    /// <summary>A long-lived proxy with small client limits, shared by the hostile-input tests (the brute-force
    /// test has its own, since it gets its address blocked).</summary>
    internal Task<ProxyServer> LimitedProxyAsync(IDictionary<string, string> limits) => _limited ??= StartWarmProxyAsync(limits);

    /// <summary>A second long-lived proxy on the same Redis and emulator, with <see cref="ShortSessionControl"/>.</summary>
    internal Task<ProxyServer> ShortTimeoutsProxyAsync() => _shortTimeouts ??= StartWarmProxyAsync(ShortSessionControl);

    /// <summary>Starts another proxy on the same Redis, for tests that need their own process or settings.</summary>
    internal Task<ProxyServer> StartProxyAsync(string? upstreamUrl = null, IDictionary<string, string>? settings = null) =>
        ProxyServer.StartAsync(Redis.Configuration, upstreamUrl ?? Emulator.WebSocketUrl, settings);

    // The shared proxies are warmed like the main one: their first measured session must not be the one that
    // compiles the session path (a cold proxy stamped an upstream open 12 ms late on an idle machine).
    private async Task<ProxyServer> StartWarmProxyAsync(IDictionary<string, string> settings)
    {
        var proxy = await StartProxyAsync(settings: settings);
        await WarmUp.RunAsync(proxy);
        return proxy;
    }

    public async Task DisposeAsync()
    {
        foreach (var shared in new[] { _shortTimeouts, _limited })
        {
            if (shared is { IsCompletedSuccessfully: true })
            {
                await (await shared).DisposeAsync();
            }
        }

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
