namespace Proxy.Benchmarks.Load;

/// <summary>A streaming run: <see cref="Sessions"/> sessions each sending 640-byte frames at
/// <see cref="FramesPerSecond"/>; the first <see cref="WarmUp"/> after all are open is not measured.</summary>
internal sealed record StreamingSettings(int Sessions, TimeSpan Duration, TimeSpan WarmUp, int Senders, int ConnectConcurrency)
{
    public const int FramesPerSecond = 50;

    public static TimeSpan FramePeriod { get; } = TimeSpan.FromSeconds(1.0 / FramesPerSecond);
}
