namespace Proxy.Benchmarks.Load;

internal enum TargetKind
{
    /// <summary>Straight to the emulator: the baseline.</summary>
    Direct,

    /// <summary>Through our proxy (Redis, metering, idle timers on) to the emulator.</summary>
    Proxy,

    /// <summary>Through nginx as a plain WebSocket reverse proxy to the emulator.</summary>
    Nginx,
}
