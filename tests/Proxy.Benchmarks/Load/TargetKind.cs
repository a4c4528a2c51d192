namespace Proxy.Benchmarks.Load;

internal enum TargetKind
{
    /// <summary>Straight to the emulator: the baseline.</summary>
    Direct,

    /// <summary>Through our proxy (Redis, metering, idle timers on) to the emulator.</summary>
    Proxy,

    /// <summary>Through nginx as a plain WebSocket reverse proxy to the emulator.</summary>
    Nginx,

    /// <summary>Through a bare Socket-to-Socket relay in .NET (<see cref="SocketRelay"/>) to the emulator: the floor
    /// of what .NET's socket engine costs per frame, the proxy minus Kestrel, parsing and metering.</summary>
    Relay,
}
