using BenchmarkDotNet.Configs;

namespace Proxy.Benchmarks.Forwarding;

/// <summary>Adds wire throughput next to the time per frame; everything else comes from the command line.</summary>
public sealed class FrameBenchmarkConfig : ManualConfig
{
    public FrameBenchmarkConfig()
    {
        AddColumn(new WireThroughputColumn());
    }
}
