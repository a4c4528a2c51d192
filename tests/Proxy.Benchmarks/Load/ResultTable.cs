using System.Globalization;
using System.Text;

namespace Proxy.Benchmarks.Load;

/// <summary>The markdown tables the load and compare subcommands print.</summary>
internal static class ResultTable
{
    private const string None = "–";

    /// <summary>One row per streaming run; "added" latency is against the direct run of the same size.</summary>
    public static string Streaming(IReadOnlyList<StreamingResult> results)
    {
        var text = new StringBuilder();
        text.AppendLine("| target | sessions | frames/s achieved (scheduled) | RTT p50 | RTT p99 | RTT p99.9 | added p50 | added p99 | target CPU ms / 1,000 frames | target RSS / session | errors / dropped / out of order | generator CPU | send lag p99 | frames not sent (late or socket full) |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            var direct = results.FirstOrDefault(d => d.Target == TargetStack.NameOf(TargetKind.Direct) && d.Sessions == r.Sessions);
            var isDirect = ReferenceEquals(direct, r);
            text.Append(Invariant($"| {r.Target} | {r.Sessions:N0} | {r.FramesPerSecond:N0} ({r.ScheduledFramesPerSecond:N0}) "));
            text.Append(Invariant($"| {Micros(r.RoundTripP50)} | {Micros(r.RoundTripP99)} | {Micros(r.RoundTripP999)} "));
            text.Append(isDirect ? "| baseline | baseline " :
                direct is null ? $"| {None} | {None} " :
                Invariant($"| {Added(r.RoundTripP50 - direct.RoundTripP50)} | {Added(r.RoundTripP99 - direct.RoundTripP99)} "));
            text.Append(Invariant($"| {(r.CpuMsPerThousandFrames is { } cpu ? cpu.ToString("N2", CultureInfo.InvariantCulture) : None)} "));
            text.Append(Invariant($"| {(r.RssPerSessionBytes is { } rss ? Kilobytes(rss) : None)} "));
            // Sessions that failed to open are among the errors (SessionPool records them).
            text.Append(Invariant($"| {r.Errors} / {r.Dropped:N0} / {r.OutOfOrder:N0} "));
            text.AppendLine(Invariant($"| {r.GeneratorCpuPercent:N0} % | {Micros(r.SendLagP99)} | {r.Skipped:N0} |"));
        }

        return text.ToString();
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
