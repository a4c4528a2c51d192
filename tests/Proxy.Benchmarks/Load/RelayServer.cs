namespace Proxy.Benchmarks.Load;

/// <summary>
/// The <c>relay</c> target's process: this benchmark's own build run as <c>relay --upstream …</c> (see
/// <see cref="SocketRelay"/>), with the runtime settings the proxy runs with by default, so that what it costs per
/// frame is the floor of the proxy's.
/// </summary>
internal sealed class RelayServer : IAsyncDisposable
{
    // What the proxy runs with unless configured otherwise: socket completions inline on the socket engine's threads
    // (Endpoints:InlineIo, see src/Proxy/Hosting/SocketEngineSettings.cs), workstation GC, no tiered compilation and
    // at least 8 pool threads (src/Proxy/Proxy.csproj).
    private static readonly Dictionary<string, string?> ProxyRuntime = new()
    {
        ["DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"] = "1",
        ["DOTNET_gcServer"] = "0",
        ["DOTNET_TieredCompilation"] = "0",
        ["DOTNET_ThreadPool_ForceMinWorkerThreads"] = "8",
    };

    private RelayServer(ChildProcess process, int port)
    {
        Process = process;
        Port = port;
    }

    public ChildProcess Process { get; }

    public int Port { get; }

    /// <param name="runtimeEnvironment">The comparison's <c>--proxy-env</c>: its runtime variables (<c>DOTNET_*</c>)
    /// apply here too, over the defaults, so that an A/B of a runtime setting moves the floor with the proxy.</param>
    public static async Task<RelayServer> StartAsync(ProcessLauncher launcher, int upstreamPort, IReadOnlyDictionary<string, string> runtimeEnvironment)
    {
        var environment = new Dictionary<string, string?>(ProxyRuntime);
        foreach (var (name, value) in runtimeEnvironment.Where(e => e.Key.StartsWith("DOTNET_", StringComparison.Ordinal)))
        {
            environment[name] = value;
        }

        var process = launcher.Start("relay", "dotnet",
            [typeof(RelayServer).Assembly.Location, "relay", "--upstream", $"127.0.0.1:{upstreamPort}"],
            environment,
            measured: true);
        try
        {
            var match = await process.WaitForLineAsync(RelayCommand.ListeningPattern, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            return new RelayServer(process, int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        }
        catch
        {
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
