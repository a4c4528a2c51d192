namespace Proxy.Benchmarks.Load;

/// <summary>What one idle run measured; CPU and RSS of the target are null when it was not measured.</summary>
internal sealed record IdleResult(
    string Target,
    int Sessions,
    int Opened,
    int StillOpen,
    TimeSpan Hold,
    int Errors,
    IReadOnlyCollection<string> ErrorMessages,
    long? TargetRssBefore,
    long? TargetRssHeld,
    TimeSpan? TargetCpu,
    TimeSpan GeneratorCpu)
{
    public double? RssPerSessionBytes => TargetRssHeld is { } held && TargetRssBefore is { } before && Opened > 0 ? (double)(held - before) / Opened : null;

    /// <summary>Target CPU while holding, in ms per second (per mille of a core).</summary>
    public double? CpuMsPerSecond => TargetCpu is { } cpu ? cpu.TotalMilliseconds / Hold.TotalSeconds : null;

    public double GeneratorCpuPercent => GeneratorCpu.TotalSeconds * 100 / Hold.TotalSeconds;

    public bool Clean => Errors == 0 && Opened == Sessions && StillOpen == Sessions;
}
