using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Proxy.Benchmarks.Tunnel;

/// <summary>
/// MB/s of wire bytes (frame headers included) one core gets through: the frame size of the case's
/// <see cref="FrameKind"/> over its mean time per frame (the benchmarks count one operation per frame).
/// </summary>
internal sealed class WireThroughputColumn : IColumn
{
    public string Id => nameof(WireThroughputColumn);

    public string ColumnName => "Wire MB/s";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Wire bytes (headers included) per second on one core, in 10^6 bytes";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
        GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var nanosecondsPerFrame = summary[benchmarkCase]?.ResultStatistics?.Mean;
        if (nanosecondsPerFrame is not > 0 || FrameKindOf(benchmarkCase) is not { } kind)
        {
            return "NA";
        }

        var bytesPerSecond = BenchmarkFrames.WireBytesPerFrame(kind) / (nanosecondsPerFrame.Value / 1e9);
        return (bytesPerSecond / 1e6).ToString("N0", style.CultureInfo);
    }

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => true;

    private static FrameKind? FrameKindOf(BenchmarkCase benchmarkCase)
    {
        foreach (var parameter in benchmarkCase.Parameters.Items)
        {
            if (parameter.Value is FrameKind kind)
            {
                return kind;
            }
        }

        return null;
    }
}
