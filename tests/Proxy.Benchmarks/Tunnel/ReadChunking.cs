namespace Proxy.Benchmarks.Tunnel;

/// <summary>How the socket hands the copy loop its bytes; public because BenchmarkDotNet emits it as a parameter.</summary>
public enum ReadChunking
{
    /// <summary>Each read returns exactly one frame: live audio, where a frame arrives every 20 ms.</summary>
    FramePerRead,

    /// <summary>Reads of 16 KB that start and end anywhere inside frames: a burst, or a peer catching up.</summary>
    Reads16KB,
}
