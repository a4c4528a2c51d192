using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;

namespace Proxy.Benchmarks.Tunnel;

/// <summary>
/// Adds wire throughput next to the time per frame, and the median, which a concurrent load on a small machine
/// disturbs less than the mean; everything else comes from the command line.
/// </summary>
public sealed class FrameBenchmarkConfig : ManualConfig
{
    public FrameBenchmarkConfig()
    {
        AddColumn(StatisticColumn.Median, new WireThroughputColumn());
    }
}
