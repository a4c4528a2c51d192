namespace Proxy.Forwarding;

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

    /// <summary>Failed key checks allowed per client IP per minute; beyond, 429 until the minute is over.</summary>
    public int AuthFailuresPerMinute { get; set; } = 30;

    public FrameLimits ClientFrameLimits() => new(MaxFrameBytes, MaxMessageBytes, ValidateUtf8);
}
