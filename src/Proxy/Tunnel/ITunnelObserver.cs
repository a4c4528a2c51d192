namespace Proxy.Tunnel;

/// <summary>
/// What a session's tunnel reports, and the only thing it knows of the session: frame events (from each direction's
/// <see cref="WebSocketFrameParser"/>, through its <see cref="DirectionMeter"/>) and connection events. Frame events
/// arrive on the copy loop of their direction, so implementations only count and hand anything slow elsewhere.
/// </summary>
internal interface ITunnelObserver
{
    /// <summary>How many bytes of the text message from <paramref name="from"/> that starts now the observer wants
    /// to see; 0 for none.</summary>
    int TextCaptureLimit(TunnelSide from);

    /// <summary>The text message from <paramref name="from"/> filled that limit and goes on: how many of its bytes
    /// the observer wants in all, having seen <paramref name="prefix"/> (see <see cref="IWebSocketFrameObserver.ExtendTextCapture"/>).</summary>
    int ExtendedTextCaptureLimit(TunnelSide from, ReadOnlySpan<byte> prefix);

    /// <summary>A frame header from <paramref name="from"/> was parsed (see <see cref="IWebSocketFrameObserver.OnFrame"/>).</summary>
    void OnFrame(TunnelSide from, WebSocketOpcode frameOpcode, WebSocketOpcode messageOpcode);

    /// <summary>A text message ended; <paramref name="payload"/> holds at most the capture limit's worth of it.</summary>
    void OnTextMessage(TunnelSide from, ReadOnlySpan<byte> payload, long messageLength);

    /// <summary>A Close frame from <paramref name="from"/> ended; <paramref name="code"/> is null without a status code.</summary>
    void OnCloseFrame(TunnelSide from, int? code);

    /// <summary>A peer broke the protocol or a limit (or the inspection failed: <see cref="FrameProtocolError.InspectionFailed"/>).</summary>
    void OnProtocolError(TunnelSide from, FrameProtocolError error);

    /// <summary>The inspection of a direction threw (a proxy bug); forwarding goes on without it.</summary>
    void OnInspectionFailed(TunnelSide from, Exception exception);

    /// <summary>The upstream accepted the upgrade: its first response bytes reached the socket at these instants
    /// (monotonic timestamp and Unix ms), the start of what Deepgram bills.</summary>
    void OnUpstreamOpened(long timestamp, long atMs);

    /// <summary>The upstream answered the upgrade with <paramref name="statusCode"/> instead of a 101.</summary>
    void OnUpstreamRefused(int statusCode);

    /// <summary>A side's connection ended (end of stream, an I/O error, or the tunnel letting go of it). Called more
    /// than once per side; only the first call counts.</summary>
    void OnEnded(TunnelSide side);

    /// <summary>As <see cref="OnEnded(TunnelSide)"/>, for an end that happened <paramref name="sinceEnd"/> before now
    /// (the kernel's receive time of the upstream's last words, read late).</summary>
    void OnEnded(TunnelSide side, TimeSpan sinceEnd) => OnEnded(side);

    /// <summary>The upstream connection dropped without a Close; the client side is still open.</summary>
    Task OnUpstreamLostAsync();
}
