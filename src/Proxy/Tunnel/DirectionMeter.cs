using Proxy.Tunnel;

namespace Proxy.Tunnel;

/// <summary>
/// Counts one direction of a session's traffic. Only that direction's copy loop writes it, so plain fields suffice;
/// readers on other threads see values at most one frame old.
/// </summary>
internal sealed class DirectionMeter : IWebSocketFrameObserver
{
    private readonly ITunnelObserver _observer;
    private readonly TunnelSide _from;
    private long _binaryFrames;
    private long _textFrames;
    private long _controlFrames;
    private long _bytes;
    private long _binaryPayloadBytes;

    public DirectionMeter(ITunnelObserver observer, TunnelSide from)
    {
        _observer = observer;
        _from = from;
    }

    public long Frames => BinaryFrames + TextFrames + ControlFrames;

    /// <summary>Frames of binary messages (continuations included).</summary>
    public long BinaryFrames => Volatile.Read(ref _binaryFrames);

    /// <summary>Frames of text messages (continuations included).</summary>
    public long TextFrames => Volatile.Read(ref _textFrames);

    /// <summary>Close, ping and pong frames.</summary>
    public long ControlFrames => Volatile.Read(ref _controlFrames);

    /// <summary>Bytes on the wire, frame headers included.</summary>
    public long Bytes => Volatile.Read(ref _bytes);

    /// <summary>Payload bytes of binary messages (audio).</summary>
    public long BinaryPayloadBytes => Volatile.Read(ref _binaryPayloadBytes);

    public void AddBytes(int count) => Volatile.Write(ref _bytes, _bytes + count);

    public void OnFrame(WebSocketOpcode frameOpcode, WebSocketOpcode messageOpcode, bool fin, long payloadLength)
    {
        // One counter per kind, each only ever growing: a metrics scrape that sums them never sees a total shrink.
        if (frameOpcode >= WebSocketOpcode.Close)
        {
            Volatile.Write(ref _controlFrames, _controlFrames + 1);
        }
        else if (messageOpcode == WebSocketOpcode.Binary)
        {
            Volatile.Write(ref _binaryFrames, _binaryFrames + 1);
            Volatile.Write(ref _binaryPayloadBytes, _binaryPayloadBytes + payloadLength);
        }
        else
        {
            Volatile.Write(ref _textFrames, _textFrames + 1);
        }

        _observer.OnFrame(_from, frameOpcode, messageOpcode);
    }

    public int GetTextCaptureLimit() => _observer.TextCaptureLimit(_from);

    public int ExtendTextCapture(ReadOnlySpan<byte> prefix) => _observer.ExtendedTextCaptureLimit(_from, prefix);

    public void OnTextMessage(ReadOnlySpan<byte> payload, long messageLength) =>
        _observer.OnTextMessage(_from, payload, messageLength);

    public void OnClose(int? code, ReadOnlySpan<byte> reason) => _observer.OnCloseFrame(_from, code);

    public void OnProtocolError(FrameProtocolError error) => _observer.OnProtocolError(_from, error);
}
