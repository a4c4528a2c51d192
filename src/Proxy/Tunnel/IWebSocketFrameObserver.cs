namespace Proxy.Tunnel;

/// <summary>
/// Receives what <see cref="WebSocketFrameParser"/> finds in one direction of a tunnel. Called on the copy loop of that
/// direction, so implementations only count and hand anything slow elsewhere.
/// </summary>
internal interface IWebSocketFrameObserver
{
    /// <summary>A frame header was parsed. <paramref name="messageOpcode"/> is Text or Binary for data frames
    /// (continuations included) and equals <paramref name="frameOpcode"/> for control frames.</summary>
    void OnFrame(WebSocketOpcode frameOpcode, WebSocketOpcode messageOpcode, bool fin, long payloadLength);

    /// <summary>How many bytes of the text message that starts now the observer wants to see; 0 for none.</summary>
    int GetTextCaptureLimit();

    /// <summary>The text message in progress has filled its capture limit and goes on: how many of its bytes the
    /// observer wants in all, having seen <paramref name="prefix"/> (the limit or less: no more). Asked at most once
    /// per message, so a small first look (its type) decides whether a long message is worth copying.</summary>
    int ExtendTextCapture(ReadOnlySpan<byte> prefix);

    /// <summary>A text message ended. <paramref name="payload"/> holds at most the capture limit's worth of its
    /// (unmasked) bytes; <paramref name="messageLength"/> is its full length.</summary>
    void OnTextMessage(ReadOnlySpan<byte> payload, long messageLength);

    /// <summary>A Close frame ended; <paramref name="code"/> is null when it carried no status code.</summary>
    void OnClose(int? code, ReadOnlySpan<byte> reason);

    void OnProtocolError(FrameProtocolError error);
}
