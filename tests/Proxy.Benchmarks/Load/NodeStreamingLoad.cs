using System.Globalization;
using System.Text.Json;

namespace Proxy.Benchmarks.Load;

/// <summary>
/// A streaming run driven by Node's <c>ws</c> (tests/sdk-e2e/load-ws.mjs) instead of this process: a second opinion
/// from a generator built the way Node voice clients are (a timer per session, <c>ws</c>'s framing and masking). The
/// script measures the round trips, losses and its own CPU; this side reads the target's CPU and RSS when the script
/// says its measured window starts and ends, so the target columns are taken exactly as for <see cref="StreamingLoad"/>.
/// </summary>
internal static class NodeStreamingLoad
{
    public const string Script = "load-ws.mjs";

    private const string MeasuringLine = "^load-ws: measuring$";
    private const string MeasuredLine = "^load-ws: measured$";

    // Bounds on each phase, far above what a healthy run takes: opening (30 s per session at most, 50 at a time),
    // the window, then the drain (30 s in the script) and the closes (10 s each at most).
    private static readonly TimeSpan OpenBound = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan WindowSlack = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan FinishBound = TimeSpan.FromMinutes(2);

    /// <summary>Why the Node generator cannot run here, or null when it can.</summary>
    public static string? Unavailable()
    {
        if (!File.Exists(Path.Combine(RepositoryPaths.SdkE2eDirectory, "node_modules", "ws", "package.json")))
        {
            return "the Node generator needs tests/sdk-e2e/node_modules: run `npm ci` there (deploy/local/test.sh does), or pass --generator dotnet";
        }

        try
        {
            Executables.Find("node", "nodejs");
            return null;
        }
        catch (InvalidOperationException ex)
        {
            return "the Node generator needs node (>= 20): " + ex.Message;
        }
    }

    public static async Task<StreamingResult> RunAsync(LoadTarget target, StreamingSettings settings)
    {
        var measured = target.MeasuredProcesses;
        var rssBefore = measured is null ? (long?)null : ProcessMeter.Sample(measured()).RssBytes;
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{target.Name} (node ws): opening {settings.Sessions} sessions ({settings.ConnectConcurrency} at a time), warming up {settings.WarmUp.TotalSeconds:0.#} s, then measuring {settings.Duration.TotalSeconds:0.#} s"));
        var environment = new Dictionary<string, string?>
        {
            ["TARGET_URL"] = target.Url.ToString(),
            ["TARGET_KEY"] = target.Key,
            ["SESSIONS"] = Invariant(settings.Sessions),
            ["WARMUP_MS"] = Invariant((long)settings.WarmUp.TotalMilliseconds),
            ["DURATION_MS"] = Invariant((long)settings.Duration.TotalMilliseconds),
            ["CONNECT_CONCURRENCY"] = Invariant(settings.ConnectConcurrency),
            // The .NET generator's socket tuning means nothing to Node; keep the child's environment plain.
            [GeneratorRuntime.InlineCompletionsVariable] = null,
        };

        await using var node = ChildProcess.Start("load-ws", Executables.Find("node", "nodejs"), [Script], environment, RepositoryPaths.SdkE2eDirectory);
        ProcessSample? targetStart = null;
        ProcessSample? targetEnd = null;
        IReadOnlyList<int>? processes = null;
        try
        {
            await node.WaitForLineAsync(MeasuringLine, OpenBound + settings.WarmUp).ConfigureAwait(false);
            processes = measured?.Invoke();
            targetStart = processes is null ? null : ProcessMeter.Sample(processes);
            await node.WaitForLineAsync(MeasuredLine, settings.Duration + WindowSlack).ConfigureAwait(false);
            targetEnd = processes is null ? null : ProcessMeter.Sample(processes);
            await node.WaitForExitAsync(FinishBound).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            return Failed(target, settings, $"{Script}: {ex.Message}");
        }

        // Output events may trail the exit by a moment.
        await Task.Delay(50).ConfigureAwait(false);
        var output = node.Output.ToList();
        var line = output.LastOrDefault(l => l.TrimStart().StartsWith('{'));
        if (line is null)
        {
            return Failed(target, settings, $"{Script} printed no result. Output:\n{string.Join('\n', output.TakeLast(20))}");
        }

        using var document = JsonDocument.Parse(line);
        var json = document.RootElement;
        if (!json.TryGetProperty("sent", out _))
        {
            return Failed(target, settings, $"{Script}: {line}");
        }

        var cpuMicros = json.GetProperty("generator_cpu_user_us").GetInt64() + json.GetProperty("generator_cpu_system_us").GetInt64();
        return new StreamingResult(
            target.Name,
            settings.Sessions,
            json.GetProperty("opened").GetInt32(),
            TimeSpan.FromMilliseconds(json.GetProperty("window_ms").GetDouble()),
            json.GetProperty("sent").GetInt64(),
            json.GetProperty("received").GetInt64(),
            json.GetProperty("out_of_order").GetInt64(),
            json.GetProperty("skipped").GetInt64(),
            json.GetProperty("errors").GetInt32(),
            [.. json.GetProperty("error_messages").EnumerateArray().Select(e => e.GetString() ?? string.Empty)],
            json.GetProperty("rtt_p50_us").GetInt64(),
            json.GetProperty("rtt_p99_us").GetInt64(),
            json.GetProperty("rtt_p999_us").GetInt64(),
            json.GetProperty("rtt_max_us").GetInt64(),
            json.GetProperty("send_lag_p99_us").GetInt64(),
            json.GetProperty("send_lag_max_us").GetInt64(),
            targetEnd is { } end && targetStart is { } start ? end.Cpu - start.Cpu : null,
            rssBefore,
            targetEnd?.RssBytes,
            TimeSpan.FromTicks(cpuMicros * (TimeSpan.TicksPerMillisecond / 1000)),
            GeneratorKind.Node);
    }

    private static StreamingResult Failed(LoadTarget target, StreamingSettings settings, string message) =>
        new(target.Name, settings.Sessions, 0, settings.Duration, 0, 0, 0, 0, settings.Sessions, [message],
            0, 0, 0, 0, 0, 0, null, null, null, TimeSpan.Zero, GeneratorKind.Node);

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
