using System.Globalization;
using System.Text;

namespace Proxy.Benchmarks.Load;

/// <summary>The markdown tables the load and compare subcommands print.</summary>
internal static class ResultTable
{
    private const string None = "–";

    /// <summary>One row per streaming run; "added" latency is against the direct run of the same size and generator,
    /// CPU ÷ nginx (proxy and relay rows) against the nginx run of the same size and generator.</summary>
    public static string Streaming(IReadOnlyList<StreamingResult> results)
    {
        var text = new StringBuilder();
        text.AppendLine("| target | generator | sessions | frames/s achieved (scheduled) | RTT p50 | RTT p99 | RTT p99.9 | added p50 | added p99 | target CPU ms / 1,000 frames | CPU ÷ nginx | target RSS / session | errors / dropped / out of order | generator CPU | send lag p99 | frames not sent (late or socket full) |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            var direct = Peer(results, r, TargetKind.Direct);
            var isDirect = ReferenceEquals(direct, r);
            text.Append(Invariant($"| {r.Target} | {r.GeneratorName} | {r.Sessions:N0} | {r.FramesPerSecond:N0} ({r.ScheduledFramesPerSecond:N0}) "));
            text.Append(Invariant($"| {Micros(r.RoundTripP50)} | {Micros(r.RoundTripP99)} | {Micros(r.RoundTripP999)} "));
            text.Append(isDirect ? "| baseline | baseline " :
                direct is null ? $"| {None} | {None} " :
                Invariant($"| {Added(r.RoundTripP50 - direct.RoundTripP50)} | {Added(r.RoundTripP99 - direct.RoundTripP99)} "));
            text.Append(Invariant($"| {(r.CpuMsPerThousandFrames is { } cpu ? cpu.ToString("N2", CultureInfo.InvariantCulture) : None)} "));
            text.Append(Invariant($"| {(isDirect ? None : RatioToNginx(results, r) is { } ratio ? ratio.ToString("N2", CultureInfo.InvariantCulture) + "×" : None)} "));
            text.Append(Invariant($"| {(r.RssPerSessionBytes is { } rss ? Kilobytes(rss) : None)} "));
            // Sessions that failed to open are among the errors (SessionPool records them).
            text.Append(Invariant($"| {r.Errors} / {r.Dropped:N0} / {r.OutOfOrder:N0} "));
            text.AppendLine(Invariant($"| {r.GeneratorCpuPercent:N0} % | {Micros(r.SendLagP99)} | {r.Skipped:N0} |"));
        }

        return text.ToString();
    }

    /// <summary>Repeated runs of the same sizes, generators and targets: per row the median and, in brackets, the
    /// lowest and highest value; "added" and "÷ nginx" are taken within each run first.</summary>
    public static string StreamingSummary(IReadOnlyList<IReadOnlyList<StreamingResult>> runs)
    {
        var text = new StringBuilder();
        text.AppendLine("| target | generator | sessions | runs | RTT p50 | RTT p99 | RTT p99.9 | added p50 | added p99 | target CPU ms / 1,000 frames | CPU ÷ nginx | generator CPU | errors / dropped / out of order (all runs) | frames not sent (all runs) |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var rows = runs.SelectMany(run => run.Select(r => (Run: run, Result: r)))
            .GroupBy(x => (x.Result.Sessions, x.Result.Generator, x.Result.Target))
            .OrderBy(g => g.Key.Sessions).ThenBy(g => g.Key.Generator).ThenBy(g => TargetOrder(g.Key.Target));
        foreach (var row in rows)
        {
            var items = row.ToList();
            var first = items[0].Result;
            var added = items.Select(x => (x.Result, Direct: Peer(x.Run, x.Result, TargetKind.Direct))).ToList();
            var isDirect = first.Target == TargetStack.NameOf(TargetKind.Direct);
            text.Append(Invariant($"| {first.Target} | {first.GeneratorName} | {first.Sessions:N0} | {items.Count} "));
            text.Append(Invariant($"| {Spread(items.Select(x => (double?)x.Result.RoundTripP50), "N0", " µs")} | {Spread(items.Select(x => (double?)x.Result.RoundTripP99), "N0", " µs")} | {Spread(items.Select(x => (double?)x.Result.RoundTripP999), "N0", " µs")} "));
            text.Append(isDirect ? "| baseline | baseline " : Invariant($"| {Spread(added.Select(a => a.Direct is null ? null : (double?)(a.Result.RoundTripP50 - a.Direct.RoundTripP50)), "N0", " µs")} | {Spread(added.Select(a => a.Direct is null ? null : (double?)(a.Result.RoundTripP99 - a.Direct.RoundTripP99)), "N0", " µs")} "));
            text.Append(Invariant($"| {Spread(items.Select(x => x.Result.CpuMsPerThousandFrames), "N2", string.Empty)} | {(isDirect ? None : Spread(items.Select(x => RatioToNginx(x.Run, x.Result)), "N2", "×"))} "));
            text.Append(Invariant($"| {Spread(items.Select(x => (double?)x.Result.GeneratorCpuPercent), "N0", " %")} "));
            text.AppendLine(Invariant($"| {items.Sum(x => x.Result.Errors)} / {items.Sum(x => x.Result.Dropped):N0} / {items.Sum(x => x.Result.OutOfOrder):N0} | {items.Sum(x => x.Result.Skipped):N0} |"));
        }

        return text.ToString();
    }

    /// <summary>The run of <paramref name="kind"/> with the same size and generator as <paramref name="result"/>.</summary>
    private static StreamingResult? Peer(IReadOnlyList<StreamingResult> results, StreamingResult result, TargetKind kind) =>
        results.FirstOrDefault(p => p.Target == TargetStack.NameOf(kind) && p.Sessions == result.Sessions && p.Generator == result.Generator);

    private static double? RatioToNginx(IReadOnlyList<StreamingResult> results, StreamingResult result) =>
        Peer(results, result, TargetKind.Nginx)?.CpuMsPerThousandFrames is { } nginx && nginx > 0 && result.CpuMsPerThousandFrames is { } cpu
            ? cpu / nginx
            : null;

    /// <summary>Where a target's rows go: <see cref="TargetKind"/>'s order (direct, proxy, nginx, relay).</summary>
    public static int TargetOrder(string target) =>
        Array.IndexOf(Enum.GetValues<TargetKind>().Select(TargetStack.NameOf).ToArray(), target);

    /// <summary>"median [lowest–highest]" of the values present; a single value alone.</summary>
    private static string Spread(IEnumerable<double?> values, string format, string unit)
    {
        var present = values.Where(v => v.HasValue).Select(v => v!.Value).Order().ToList();
        if (present.Count == 0)
        {
            return None;
        }

        var middle = present.Count / 2;
        var median = present.Count % 2 == 1 ? present[middle] : (present[middle - 1] + present[middle]) / 2;
        string F(double v) => v.ToString(format, CultureInfo.InvariantCulture);
        return present.Count == 1
            ? F(median) + unit
            : Invariant($"{F(median)}{unit} [{F(present[0])}–{F(present[^1])}]");
    }

    public static string Idle(IReadOnlyList<IdleResult> results)
    {
        var text = new StringBuilder();
        text.AppendLine("| target | idle sessions | held | still open at the end | errors | target RSS before | target RSS held | target RSS / idle session | target CPU while held | generator CPU |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            text.Append(Invariant($"| {r.Target} | {r.Opened:N0} of {r.Sessions:N0} | {r.Hold.TotalSeconds:N0} s | {r.StillOpen:N0} | {r.Errors} "));
            text.Append(Invariant($"| {Megabytes(r.TargetRssBefore)} | {Megabytes(r.TargetRssHeld)} | {(r.RssPerSessionBytes is { } rss ? Kilobytes(rss) : None)} "));
            text.AppendLine(Invariant($"| {(r.CpuMsPerSecond is { } cpu ? cpu.ToString("N1", CultureInfo.InvariantCulture) + " ms/s" : None)} | {r.GeneratorCpuPercent:N1} % |"));
        }

        return text.ToString();
    }

    /// <summary>One row per Redis setup of <c>redis-compare</c>.</summary>
    public static string RedisComparison(IReadOnlyList<RedisLoadResult> results)
    {
        var text = new StringBuilder();
        text.AppendLine("| Redis | `Storage:ReplicaAckTimeout` | customers per master | sessions | errors | final records found / expected / duplicated / left open | finals spooled | open p50 / p99 | client close → record readable p50 / p99 | proxy CPU / session (both instances) | Redis commands / session (of them EVAL/EVALSHA) | WAIT / session |");
        text.AppendLine("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            text.Append(Invariant($"| {r.Redis} | {r.ReplicaAck} | {r.CustomersPerMaster} | {r.Load.Opened.Count:N0} of {r.Load.Sessions:N0} | {r.Load.Errors} "));
            text.Append(Invariant($"| {r.Records.Found:N0} / {r.Records.Expected:N0} / {r.Records.Duplicated:N0} / {r.Records.LeftOpen:N0}{(r.Settled ? string.Empty : " (not settled)")} | {r.FinalsSpooled:N0} "));
            text.Append(Invariant($"| {Millis(r.Load.OpenP50 / 1000.0)} / {Millis(r.Load.OpenP99 / 1000.0)} "));
            text.Append(Invariant($"| {Millis(r.Records.ReadableP50Ms)} / {Millis(r.Records.ReadableP99Ms)} "));
            text.Append(Invariant($"| {Millis(r.CpuMsPerSession)} | {Number(r.CommandsPerSession)} ({Number(r.ScriptsPerSession)}) | {Number(r.WaitsPerSession, "N2")} |"));
            text.AppendLine();
        }

        return text.ToString();
    }

    /// <summary>Calls per session of each Redis command (masters only; a script's own calls under their names as
    /// well as under EVAL/EVALSHA), one column per row of <see cref="RedisComparison"/>.</summary>
    public static string RedisCommandsPerSession(IReadOnlyList<RedisLoadResult> results)
    {
        var text = new StringBuilder();
        text.AppendLine("| command | " + string.Join(" | ", results.Select(r => $"{r.Redis}, {r.ReplicaAck}")) + " |");
        text.AppendLine("|---|" + string.Concat(results.Select(_ => "---:|")));
        var commands = results.SelectMany(r => r.Commands.Commands).Distinct(StringComparer.Ordinal)
            .OrderByDescending(c => results.Max(r => r.PerSession(c) ?? 0));
        foreach (var command in commands)
        {
            text.AppendLine($"| {command} | " + string.Join(" | ", results.Select(r => Number(r.PerSession(command), "N2"))) + " |");
        }

        return text.ToString();
    }

    /// <summary>The first errors of failed runs, for the reader of a red CI log.</summary>
    public static string Errors(IEnumerable<(string Run, IReadOnlyCollection<string> Messages)> runs)
    {
        var text = new StringBuilder();
        foreach (var (run, messages) in runs.Where(r => r.Messages.Count > 0))
        {
            text.AppendLine(Invariant($"{run}:"));
            foreach (var message in messages)
            {
                text.AppendLine("  " + message);
            }
        }

        return text.ToString();
    }

    private static string Millis(double? milliseconds) => milliseconds is { } ms ? Invariant($"{ms:N1} ms") : None;

    private static string Number(double? value, string format = "N1") => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : None;

    private static string Micros(long microseconds) => Invariant($"{microseconds:N0} µs");

    private static string Added(long microseconds) => Invariant($"{(microseconds >= 0 ? "+" : string.Empty)}{microseconds:N0} µs");

    private static string Kilobytes(double bytes) => Invariant($"{bytes / 1024:N1} KiB");

    private static string Megabytes(long? bytes) => bytes is { } b ? Invariant($"{b / (1024.0 * 1024):N1} MiB") : None;

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
