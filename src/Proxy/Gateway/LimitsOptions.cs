using Proxy.Tunnel;

namespace Proxy.Gateway;

/// <summary>Binds the <c>Limits</c> configuration section: what the proxy refuses from clients.</summary>
internal sealed class LimitsOptions
{
    public const string SectionName = "Limits";

    /// <summary>Largest client frame payload; a larger one ends the session with Close 1009.</summary>
    public long MaxFrameBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest client message (all its fragments); a larger one ends the session with Close 1009.</summary>
    public long MaxMessageBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Whether client text messages must be valid UTF-8 (RFC 6455 §8.1); invalid ones get Close 1007.</summary>
    public bool ValidateUtf8 { get; set; } = true;

    /// <summary>Time a client gets to send its whole upgrade request (slow-loris protection).</summary>
    public TimeSpan RequestHeadersTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Failed key checks allowed per client (IPv4 address, IPv6 /64) per minute; beyond, 429 until the
    /// minute is over.</summary>
    public int AuthFailuresPerMinute { get; set; } = 30;

    /// <summary>Clients the failed-key limiter remembers at once (about 100 bytes each); when full, the windows that
    /// started first are forgotten.</summary>
    public int AuthFailureMaxTrackedAddresses { get; set; } = 100_000;

    /// <summary>Sessions one Deepgram key may carry at once across all instances (0: no cap), so the gateway refuses
    /// with its own 429 before Deepgram's concurrency limit would. Counted with Redis leases like the customer's
    /// limit; while Redis cannot be asked, per instance (fail_open) or not at all (fail_closed refuses).</summary>
    public int MaxSessionsPerUpstreamKey { get; set; }

    public FrameLimits ClientFrameLimits() => new(MaxFrameBytes, MaxMessageBytes, ValidateUtf8);
}
