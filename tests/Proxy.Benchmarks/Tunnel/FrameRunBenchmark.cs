using BenchmarkDotNet.Attributes;

namespace Proxy.Benchmarks.Tunnel;

/// <summary>
/// What the per-frame benchmarks share: a run of identical frames of one kind, cut into reads as a socket would
/// hand them over. One operation is one frame.
/// </summary>
public abstract class FrameRunBenchmark
{
    // 10 s of audio at 50 frames/s; 324 KB of client frames, which stays in the caches as a socket buffer would.
    protected const int FrameCount = 500;

    [Params(FrameKind.ClientAudio, FrameKind.ServerAudio, FrameKind.ClientKeepAlive)]
    public FrameKind Frames { get; set; }

    [Params(ReadChunking.FramePerRead, ReadChunking.Reads16KB)]
    public ReadChunking Reads { get; set; }
}
