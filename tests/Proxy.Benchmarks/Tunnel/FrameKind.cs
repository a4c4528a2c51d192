namespace Proxy.Benchmarks.Tunnel;

/// <summary>The traffic a frame benchmark runs over; public because BenchmarkDotNet emits it as a parameter.</summary>
public enum FrameKind
{
    /// <summary>Masked binary frames of 640 bytes: 20 ms of 16 kHz linear16 audio from the client.</summary>
    ClientAudio,

    /// <summary>Unmasked binary frames of 640 bytes: the agent's audio toward the client.</summary>
    ServerAudio,

    /// <summary>Masked text frames holding a KeepAlive, the small JSON a client sends while silent.</summary>
    ClientKeepAlive,
}
