namespace Proxy.Benchmarks.Load;

/// <summary>What one streaming run measured. Latencies in µs; CPU and RSS of the target are null when it was not
/// measured.</summary>
internal sealed record StreamingResult(
    string Target,
    int Sessions,
    int Opened,
    TimeSpan Window,
    long Sent,
    long Received,
    long OutOfOrder,
    long Skipped,
    int Errors,
    IReadOnlyCollection<string> ErrorMessages,
    long RoundTripP50,
    long RoundTripP99,
    long RoundTripP999,
    long RoundTripMax,
    long SendLagP99,
    long SendLagMax,
    TimeSpan? TargetCpu,
    long? TargetRssBefore,
    long? TargetRssLoaded,
    TimeSpan GeneratorCpu,
    GeneratorKind Generator)
{
    public string GeneratorName => Generator == GeneratorKind.Node ? "node ws" : "dotnet";

    public long Dropped => Math.Max(0, Sent - Received);

    public double FramesPerSecond => Received / Window.TotalSeconds;

    public double ScheduledFramesPerSecond => (double)Sessions * StreamingSettings.FramesPerSecond;

    public double? CpuMsPerThousandFrames => TargetCpu is { } cpu && Received > 0 ? cpu.TotalMilliseconds * 1000 / Received : null;

    public double? RssPerSessionBytes => TargetRssLoaded is { } loaded && TargetRssBefore is { } before && Opened > 0 ? (double)(loaded - before) / Opened : null;

    public double GeneratorCpuPercent => GeneratorCpu.TotalSeconds * 100 / Window.TotalSeconds;

    public bool Clean => Errors == 0 && Dropped == 0 && OutOfOrder == 0 && Opened == Sessions;
}
