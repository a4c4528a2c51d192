using System.Globalization;
using System.Text;

namespace Proxy.Benchmarks.Load;

/// <summary>
/// <c>compare</c>: the same load against the emulator directly, through our proxy, through nginx and through a bare
/// .NET socket relay, one target after the other on this machine's loopback, each started fresh per run; prints one markdown table per mode.
/// </summary>
internal static class CompareCommand
{
    private const int DefaultIdleSessions = 10_000;

    // Descriptors a proxy needs besides its two sockets per session: Redis, admin listener, spool, logs, runtime.
    private const int ProxyDescriptorReserve = 400;

    private static readonly string[] Options = ["--sizes", "--generator", "--runs", "--duration", "--warmup", "--idle", "--hold", "--targets", "--senders", "--connect-concurrency", "--out", "--proxy-env"];
    private static readonly string[] Flags = ["--quick"];

    // CI's quick check keeps its time: the relay is a reference point, not a path of the product.
    private static readonly TargetKind[] QuickTargets = [TargetKind.Direct, TargetKind.Proxy, TargetKind.Nginx];

    public const string Usage = """
        compare [options]
          --quick                   CI setting: 20 sessions × 3 s with both generators, 20 idle sessions × 5 s,
                                    one stack per target
          --sizes N[,N…]            streaming sessions per run (default 100,500,1000)
          --generator G             dotnet, node (Node's ws, tests/sdk-e2e/load-ws.mjs) or both, side by side
                                    against the same targets (default dotnet; with --quick both)
          --runs N                  the streaming runs N times over, then medians and ranges (default 1)
          --duration S              measured seconds per streaming run (default 60)
          --warmup S                unmeasured seconds after all sessions are open (default 5)
          --idle N                  idle sessions per target; 0 = no idle run (default 10000, capped to what the
                                    open-file limit allows the proxy: two sockets per session)
          --hold S                  seconds the idle sessions are held (default 120)
          --targets T[,T…]          direct, proxy, nginx, relay (default all four; with --quick direct, proxy,
                                    nginx). relay: a bare Socket-to-Socket relay in .NET, the floor of the
                                    proxy's per-frame cost
          --senders N               sender loops (default: number of cores)
          --connect-concurrency N   sessions opened at a time (default 50)
          --out PATH                also write the tables to PATH
          --proxy-env NAME=VALUE    environment variable for the proxy process, repeatable (runtime settings
                                    A/B: DOTNET_gcServer=1, DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT=1, …);
                                    the DOTNET_* ones apply to the relay too
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        CompareSettings settings;
        try
        {
            settings = Parse(CommandLineArguments.Parse(args, Options, Flags));
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message + "\n\n" + Usage).ConfigureAwait(false);
            return 2;
        }

        var workDirectory = Directory.CreateTempSubdirectory("dgproxy-load-").FullName;
        Console.Error.WriteLine($"compare: logs and generated configuration in {workDirectory}");
        var rounds = Enumerable.Range(0, settings.Runs).Select(_ => new List<StreamingResult>()).ToList();
        var idle = new List<IdleResult>();

        // The generator's own socket tuning (see GeneratorRuntime) must not change how a target runs.
        var launcher = ProcessLauncher.LoadRun(workDirectory, new Dictionary<string, string?> { [GeneratorRuntime.InlineCompletionsVariable] = null });

        // Configured as deploy/local runs it: every write fsync'd to the append-only file, what the proxy's no-loss
        // guarantee rests on.
        await using (var redis = await RedisServer.LaunchAsync(launcher, durable: true).ConfigureAwait(false))
        {
            if (settings.Quick)
            {
                // CI only checks that every path works: one stack per target carries all its runs.
                foreach (var kind in settings.Targets)
                {
                    await using var stack = await StartAsync(kind, redis, launcher, settings).ConfigureAwait(false);
                    foreach (var size in settings.Sizes)
                    {
                        foreach (var generator in settings.Generators)
                        {
                            rounds[0].Add(await RunStreamingAsync(stack.Target, size, generator, settings).ConfigureAwait(false));
                        }
                    }

                    if (settings.IdleSessions > 0)
                    {
                        idle.Add(await RunIdleAsync(stack.Target, settings).ConfigureAwait(false));
                    }
                }
            }
            else
            {
                // A fresh stack per run: no run inherits another's heap, threads or connections. Each generator
                // takes the targets one after the other, so its rows compare with each other as in a single run.
                foreach (var round in rounds)
                {
                    foreach (var size in settings.Sizes)
                    {
                        foreach (var generator in settings.Generators)
                        {
                            foreach (var kind in settings.Targets)
                            {
                                await using var stack = await StartAsync(kind, redis, launcher, settings).ConfigureAwait(false);
                                round.Add(await RunStreamingAsync(stack.Target, size, generator, settings).ConfigureAwait(false));
                            }
                        }
                    }
                }

                if (settings.IdleSessions > 0)
                {
                    foreach (var kind in settings.Targets)
                    {
                        await using var stack = await StartAsync(kind, redis, launcher, settings).ConfigureAwait(false);
                        idle.Add(await RunIdleAsync(stack.Target, settings).ConfigureAwait(false));
                    }
                }
            }
        }

        var report = Report(settings, rounds, idle);
        await Console.Out.WriteAsync(report).ConfigureAwait(false);
        if (settings.OutPath is { } outPath)
        {
            await File.WriteAllTextAsync(outPath, report).ConfigureAwait(false);
        }

        var streaming = rounds.SelectMany(r => r).ToList();
        var clean = streaming.All(r => r.Clean) && idle.All(r => r.Clean);
        if (clean)
        {
            Directory.Delete(workDirectory, recursive: true);
            return 0;
        }

        await Console.Error.WriteAsync(ResultTable.Errors(
            streaming.Select(r => ($"{r.Target} × {r.Sessions} ({r.GeneratorName})", r.ErrorMessages))
                .Concat(idle.Select(r => ($"{r.Target} idle × {r.Sessions}", r.ErrorMessages))))).ConfigureAwait(false);
        await Console.Error.WriteLineAsync($"compare: FAILED (session errors, dropped or reordered frames); logs kept in {workDirectory}").ConfigureAwait(false);
        return 1;
    }

    private static CompareSettings Parse(CommandLineArguments parsed)
    {
        var quick = parsed.Has("--quick");
        var sizes = parsed.GetList("--sizes") is { Count: > 0 } given
            ? [.. given.Select(s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new ArgumentException($"--sizes: '{s}' is not a positive integer"))]
            : quick ? new[] { 20 } : [100, 500, 1000];
        var targets = parsed.GetList("--targets") is { Count: > 0 } named
            ? [.. named.Select(t => Enum.TryParse<TargetKind>(t, ignoreCase: true, out var kind) ? kind : throw new ArgumentException($"--targets: unknown target '{t}'"))]
            : quick ? QuickTargets : Enum.GetValues<TargetKind>();

        var generators = parsed.Get("--generator") switch
        {
            null => quick ? [GeneratorKind.Dotnet, GeneratorKind.Node] : [GeneratorKind.Dotnet],
            "dotnet" => [GeneratorKind.Dotnet],
            "node" => [GeneratorKind.Node],
            "both" => new[] { GeneratorKind.Dotnet, GeneratorKind.Node },
            var other => throw new ArgumentException($"--generator: '{other}' is not dotnet, node or both"),
        };
        if (generators.Contains(GeneratorKind.Node) && NodeStreamingLoad.Unavailable() is { } missing)
        {
            throw new ArgumentException(missing);
        }

        var runs = parsed.GetInt("--runs", 1, 1, 100);
        if (quick && runs > 1)
        {
            throw new ArgumentException("--runs: a quick run is a check, not numbers to compare; drop --quick to repeat runs");
        }

        // The proxy (and the relay) holds two sockets per session and inherits this process's open-file limit.
        var limit = OpenFileLimit.Hard();
        var maxIdle = Math.Max(0, (limit - ProxyDescriptorReserve) / 2 / 100 * 100);
        var idleNote = (string?)null;
        int idleSessions;
        if (parsed.Get("--idle") is not null)
        {
            idleSessions = parsed.GetInt("--idle", 0, 0, 1_000_000);
            if (idleSessions > maxIdle && (targets.Contains(TargetKind.Proxy) || targets.Contains(TargetKind.Relay)))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"--idle {idleSessions}: the proxy holds two sockets per session and this machine's open-file hard limit is {limit} (ulimit -Hn), enough for {maxIdle} idle sessions. Raise the limit or pass --idle {maxIdle}."));
            }
        }
        else if (quick)
        {
            idleSessions = 20;
        }
        else
        {
            idleSessions = Math.Min(DefaultIdleSessions, maxIdle);
            if (idleSessions < DefaultIdleSessions)
            {
                idleNote = string.Create(CultureInfo.InvariantCulture,
                    $"Idle sessions capped at {idleSessions:N0} instead of {DefaultIdleSessions:N0}: the open-file hard limit here is {limit:N0} per process (ulimit -Hn) and the proxy holds two sockets per session.");
                Console.Error.WriteLine("compare: " + idleNote);
            }
        }

        return new CompareSettings(
            sizes,
            targets,
            generators,
            runs,
            parsed.GetSeconds("--duration", TimeSpan.FromSeconds(quick ? 3 : 60), 0.5),
            parsed.GetSeconds("--warmup", TimeSpan.FromSeconds(quick ? 1 : 5), 0),
            idleSessions,
            parsed.GetSeconds("--hold", TimeSpan.FromSeconds(quick ? 5 : 120), 1),
            idleNote,
            parsed.GetInt("--senders", Environment.ProcessorCount, 1, 64),
            parsed.GetInt("--connect-concurrency", 50, 1, 10_000),
            quick,
            parsed.Get("--out"),
            ParseEnvironment(parsed.GetList("--proxy-env")));
    }

    private static Dictionary<string, string> ParseEnvironment(IReadOnlyList<string> assignments)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var assignment in assignments)
        {
            var equals = assignment.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new ArgumentException($"--proxy-env: '{assignment}' is not NAME=VALUE");
            }

            environment[assignment[..equals]] = assignment[(equals + 1)..];
        }

        return environment;
    }

    private static async Task<TargetStack> StartAsync(TargetKind kind, RedisServer redis, ProcessLauncher launcher, CompareSettings settings)
    {
        Console.Error.WriteLine($"== {TargetStack.NameOf(kind)}: starting");
        var stack = await TargetStack.StartAsync(kind, redis, launcher, settings.ProxyEnvironment).ConfigureAwait(false);
        try
        {
            await WarmUpAsync(stack.Target, settings).ConfigureAwait(false);
            return stack;
        }
        catch
        {
            await stack.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task<StreamingResult> RunStreamingAsync(LoadTarget target, int size, GeneratorKind generator, CompareSettings settings)
    {
        var streaming = new StreamingSettings(size, settings.Duration, settings.WarmUp, settings.Senders, settings.ConnectConcurrency);
        var result = generator == GeneratorKind.Node
            ? await NodeStreamingLoad.RunAsync(target, streaming).ConfigureAwait(false)
            : await StreamingLoad.RunAsync(target, streaming).ConfigureAwait(false);
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{result.Target} × {size} ({result.GeneratorName}): {result.FramesPerSecond:N0} frames/s, RTT p50 {result.RoundTripP50:N0} µs p99 {result.RoundTripP99:N0} µs, errors {result.Errors}, dropped {result.Dropped}, skipped {result.Skipped:N0}, target CPU {result.CpuMsPerThousandFrames:N2} ms / 1,000 frames, generator {result.GeneratorCpuPercent:N0} % CPU, send lag p99 {result.SendLagP99:N0} µs"));
        return result;
    }

    private static async Task<IdleResult> RunIdleAsync(LoadTarget target, CompareSettings settings)
    {
        var result = await IdleLoad.RunAsync(target, new IdleSettings(settings.IdleSessions, settings.Hold, settings.Senders, settings.ConnectConcurrency)).ConfigureAwait(false);
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{result.Target} idle × {result.Sessions}: {result.StillOpen} held, RSS/session {result.RssPerSessionBytes / 1024:N1} KiB, errors {result.Errors}"));
        return result;
    }

    /// <summary>
    /// A few sessions streaming for a moment before anything is measured: a fresh process compiles each code path
    /// on first use and grows its thread pool, which belongs neither in the latencies nor in the RSS per session.
    /// </summary>
    private static async Task WarmUpAsync(LoadTarget target, CompareSettings settings)
    {
        var warmUp = await StreamingLoad.RunAsync(
            target with { Name = target.Name + " (warm-up)", MeasuredProcesses = null },
            new StreamingSettings(20, settings.Quick ? TimeSpan.FromSeconds(0.5) : TimeSpan.FromSeconds(3), TimeSpan.Zero, settings.Senders, settings.ConnectConcurrency)).ConfigureAwait(false);
        if (!warmUp.Clean)
        {
            throw new InvalidOperationException($"{target.Name}: the warm-up failed: {string.Join("; ", warmUp.ErrorMessages)}");
        }
    }

    private static string Report(CompareSettings settings, List<List<StreamingResult>> rounds, List<IdleResult> idle)
    {
        var text = new StringBuilder();
        text.AppendLine("## Load comparison");
        text.AppendLine();
        text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; {MachineDescription.Describe()}."));
        text.AppendLine();
        if (rounds[0].Count > 0)
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"Streaming: every session sends a 640-byte binary frame every 20 ms (50 frames/s), echoed by the emulator; {settings.WarmUp.TotalSeconds:0.#} s warm-up once all sessions are open, then {settings.Duration.TotalSeconds:0.#} s measured. {(settings.Quick ? "Quick run (one stack per target): a check that everything works, not numbers to compare." : "Each run starts its target afresh.")} The targets run one after another, on the same cores as the generator."));
            text.AppendLine();
            if (settings.Generators.Contains(GeneratorKind.Node))
            {
                text.AppendLine("Generators: \"dotnet\" is this process (sender loops on bare sockets, see the benchmark README); \"node ws\" is tests/sdk-e2e/load-ws.mjs on Node's `ws`, each session on its own timer. Each generator's CPU is its own process's (`/proc/self/stat`, `process.cpuUsage()`). Added latency and CPU ÷ nginx compare rows of the same generator and size.");
                text.AppendLine();
            }

            for (var i = 0; i < rounds.Count; i++)
            {
                if (rounds.Count > 1)
                {
                    text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Run {i + 1} of {rounds.Count}:"));
                    text.AppendLine();
                }

                // Quick runs go target by target; the table reads size by size, each generator's targets together,
                // in TargetKind's order whatever order --targets named them in (the relay, the floor, after nginx).
                text.Append(ResultTable.Streaming([.. rounds[i]
                    .OrderBy(r => r.Sessions)
                    .ThenBy(r => r.Generator)
                    .ThenBy(r => ResultTable.TargetOrder(r.Target))]));
                text.AppendLine();
            }

            if (rounds.Count > 1)
            {
                text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Medians of the {rounds.Count} runs, [lowest–highest]:"));
                text.AppendLine();
                text.Append(ResultTable.StreamingSummary(rounds));
                text.AppendLine();
            }
        }

        if (idle.Count > 0)
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"Idle: sessions sending only KeepAlive every 5 s, held {settings.Hold.TotalSeconds:0.#} s once all are open.{(settings.IdleNote is null ? string.Empty : " " + settings.IdleNote)}"));
            text.AppendLine();
            text.Append(ResultTable.Idle([.. idle.OrderBy(r => ResultTable.TargetOrder(r.Target))]));
        }

        return text.ToString();
    }
}
