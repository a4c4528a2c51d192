namespace Proxy.Metering;

/// <summary>How a session ended: its last two instants, the Close seen, and how long the upstream was connected.</summary>
internal sealed record SessionEnd
{
    public long? UpstreamClosedAtMs { get; init; }

    public required long ClientClosedAtMs { get; init; }

    /// <summary>Upstream open → upstream end on the monotonic clock; what Deepgram bills. Null for an estimate.</summary>
    public TimeSpan? UpstreamConnected { get; init; }

    public required string CloseReason { get; init; }

    /// <summary>The Close status seen (1005 none in the frame, 1006 no Close frame); dropped when there was no
    /// upstream session.</summary>
    public int? CloseCode { get; init; }

    public required string CloseInitiator { get; init; }

    /// <summary>Nobody measured the end: the upstream's end is taken as its last sign of life.</summary>
    public bool Estimated { get; init; }
}
