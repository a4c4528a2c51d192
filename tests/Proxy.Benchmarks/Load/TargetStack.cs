using System.Security.Cryptography;

namespace Proxy.Benchmarks.Load;

/// <summary>
/// The processes behind one target, started fresh for each run so that no run inherits another's heap or
/// connections: an emulator, plus the proxy (as in production: Production environment, real Redis, metering, idle
/// timers, logging at its defaults), nginx or the bare socket relay in front of it. Redis is shared by the whole comparison.
/// </summary>
internal sealed class TargetStack : IAsyncDisposable
{
    private const string CustomerId = "load";

    // One line per connection would be thousands of lines per run; warnings and errors still show.
    private static readonly Dictionary<string, string> EmulatorSettings = new() { ["Logging:LogLevel:Proxy.Emulator"] = "Warning" };

    // Idle timers stay on (30 s, "messages"); KeepAlive counts as activity so the idle run's sessions, which send
    // nothing else, are held rather than closed. Streaming sessions are active anyway.
    private static readonly Dictionary<string, string> ProxySettings = new() { ["Sessions:KeepAliveIsActivity"] = "true" };

    private readonly List<IAsyncDisposable> _processes;

    private TargetStack(LoadTarget target, List<IAsyncDisposable> processes)
    {
        Target = target;
        _processes = processes;
    }

    public LoadTarget Target { get; }

    public static string NameOf(TargetKind kind) => kind switch
    {
        TargetKind.Direct => "direct",
        TargetKind.Proxy => "proxy",
        TargetKind.Nginx => "nginx",
        TargetKind.Relay => "relay",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static async Task<TargetStack> StartAsync(TargetKind kind, RedisServer redis, ProcessLauncher launcher, IReadOnlyDictionary<string, string> proxyEnvironment)
    {
        var processes = new List<IAsyncDisposable>();
        try
        {
            var emulator = await StartEmulatorAsync(launcher, "emulator-" + NameOf(kind)).ConfigureAwait(false);
            processes.Add(emulator);
            LoadTarget target;
            switch (kind)
            {
                case TargetKind.Direct:
                    var emulatorId = emulator.Process.Id;
                    target = new LoadTarget(NameOf(kind), AgentUrl(emulator.Port), emulator.ApiKey, () => [emulatorId]);
                    break;
                case TargetKind.Proxy:
                    var proxy = await ProxyServer.StartAsync(launcher, redis.Configuration, emulator.WebSocketUrl, emulator.ApiKey, ProxySettings,
                        proxyEnvironment.ToDictionary(e => e.Key, e => (string?)e.Value)).ConfigureAwait(false);
                    processes.Add(proxy);
                    var key = await IssueKeyAsync(proxy).ConfigureAwait(false);
                    var proxyId = proxy.Process.Id;
                    target = new LoadTarget(NameOf(kind), AgentUrl(proxy.ProxyUrl.Port), key, () => [proxyId]);
                    break;
                case TargetKind.Nginx:
                    var nginx = await NginxServer.StartAsync(launcher, emulator.Port).ConfigureAwait(false);
                    processes.Add(nginx);
                    var masterId = nginx.Process.Id;
                    target = new LoadTarget(NameOf(kind), AgentUrl(nginx.Port), emulator.ApiKey, () => ProcessMeter.WithChildren(masterId));
                    break;
                case TargetKind.Relay:
                    var relay = await RelayServer.StartAsync(launcher, emulator.Port, proxyEnvironment).ConfigureAwait(false);
                    processes.Add(relay);
                    var relayId = relay.Process.Id;
                    target = new LoadTarget(NameOf(kind), AgentUrl(relay.Port), emulator.ApiKey, () => [relayId]);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(kind));
            }

            return new TargetStack(target, processes);
        }
        catch
        {
            await DisposeAllAsync(processes).ConfigureAwait(false);
            throw;
        }
    }

    public ValueTask DisposeAsync() => DisposeAllAsync(_processes);

    /// <summary>An emulator for load: its own random key, one log line per connection left out.</summary>
    public static Task<EmulatorServer> StartEmulatorAsync(ProcessLauncher launcher, string name) =>
        EmulatorServer.StartAsync(launcher, name, ["load-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))], EmulatorSettings);

    /// <summary>One customer, with a key issued through the admin API once the proxy takes sessions.</summary>
    private static async Task<string> IssueKeyAsync(ProxyServer proxy)
    {
        await proxy.WaitUntilReadyAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        await proxy.PutCustomerAsync(CustomerId, new { name = "Load test" }).ConfigureAwait(false);
        var (_, key) = await proxy.IssueKeyAsync(CustomerId).ConfigureAwait(false);
        return key;
    }

    private static Uri AgentUrl(int port) => new($"ws://127.0.0.1:{port}/v1/agent/converse");

    private static async ValueTask DisposeAllAsync(List<IAsyncDisposable> processes)
    {
        // The front first, so the upstream sees its connections end as in production.
        for (var i = processes.Count - 1; i >= 0; i--)
        {
            await processes[i].DisposeAsync().ConfigureAwait(false);
        }
    }
}
