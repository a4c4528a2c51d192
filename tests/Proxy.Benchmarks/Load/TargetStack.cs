namespace Proxy.Benchmarks.Load;

/// <summary>
/// The processes behind one target, started fresh for each run so that no run inherits another's heap or
/// connections: an emulator, plus the proxy or nginx in front of it. Redis is shared by the whole comparison.
/// </summary>
internal sealed class TargetStack : IAsyncDisposable
{
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
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static async Task<TargetStack> StartAsync(TargetKind kind, RedisProcess redis, string workDirectory, IReadOnlyDictionary<string, string> proxyEnvironment)
    {
        var processes = new List<IAsyncDisposable>();
        try
        {
            var emulator = await EmulatorProcess.StartAsync(workDirectory, "emulator-" + NameOf(kind)).ConfigureAwait(false);
            processes.Add(emulator);
            LoadTarget target;
            switch (kind)
            {
                case TargetKind.Direct:
                    target = new LoadTarget(NameOf(kind), AgentUrl(emulator.Port), emulator.ApiKey, () => [emulator.ProcessId]);
                    break;
                case TargetKind.Proxy:
                    var proxy = await ProxyProcess.StartAsync(workDirectory, redis, emulator, proxyEnvironment).ConfigureAwait(false);
                    processes.Add(proxy);
                    target = new LoadTarget(NameOf(kind), AgentUrl(proxy.Port), proxy.Key, () => [proxy.ProcessId]);
                    break;
                case TargetKind.Nginx:
                    var nginx = await NginxProcess.StartAsync(workDirectory, emulator).ConfigureAwait(false);
                    processes.Add(nginx);
                    target = new LoadTarget(NameOf(kind), AgentUrl(nginx.Port), emulator.ApiKey, () => ProcessMeter.WithChildren(nginx.MasterProcessId));
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
