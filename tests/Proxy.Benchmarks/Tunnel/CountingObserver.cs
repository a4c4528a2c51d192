using Proxy.Gateway;
using Proxy.Tunnel;

namespace Proxy.Benchmarks.Tunnel;

/// <summary>
/// The cheapest observer that still asks for text, so the parser benchmarks measure the parser and not the session
/// behind it. Text capture is on (512 bytes, what a session asks for once it has its Settings) so text frames take the
/// copying path they take in production.
/// </summary>
internal sealed class CountingObserver : IWebSocketFrameObserver
{
    private const int TextCaptureLimit = 512;

    public long Frames { get; private set; }

    public long PayloadBytes { get; private set; }

    public long TextMessages { get; private set; }

    public FrameProtocolError Error { get; private set; }

    public void OnFrame(WebSocketOpcode frameOpcode, WebSocketOpcode messageOpcode, bool fin, long payloadLength)
    {
        Frames++;
        PayloadBytes += payloadLength;
    }

    public int GetTextCaptureLimit() => TextCaptureLimit;

    public int ExtendTextCapture(ReadOnlySpan<byte> prefix) => 0;

    public void OnTextMessage(ReadOnlySpan<byte> payload, long messageLength) => TextMessages++;

    public void OnClose(int? code, ReadOnlySpan<byte> reason)
    {
    }

    public void OnProtocolError(FrameProtocolError error) => Error = error;
}
