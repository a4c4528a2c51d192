using Proxy.Forwarding;

namespace Proxy.Sessions;

/// <summary>
/// Counts one direction of a session's traffic. Only that direction's copy loop writes it, so plain fields suffice;
/// readers on other threads see values at most one frame old.
/// </summary>
internal sealed class DirectionMeter : IWebSocketFrameObserver
{
    private readonly AgentSession _session;
    private readonly TunnelSide _from;
    private long _frames;
    private long _bytes;
    private long _binaryPayloadBytes;

    public DirectionMeter(AgentSession session, TunnelSide from)
    {
        _session = session;
        _from = from;
    }

    public long Frames => Volatile.Read(ref _frames);

    /// <summary>Bytes on the wire, frame headers included.</summary>
    public long Bytes => Volatile.Read(ref _bytes);

    /// <summary>Payload bytes of binary messages (audio).</summary>
    public long BinaryPayloadBytes => Volatile.Read(ref _binaryPayloadBytes);

    public void AddBytes(int count) => Volatile.Write(ref _bytes, _bytes + count);

    public void OnFrame(WebSocketOpcode frameOpcode, WebSocketOpcode messageOpcode, bool fin, long payloadLength)
    {
        Volatile.Write(ref _frames, _frames + 1);
        if (messageOpcode == WebSocketOpcode.Binary)
        {
            Volatile.Write(ref _binaryPayloadBytes, _binaryPayloadBytes + payloadLength);
        }

        _session.OnFrame(_from, frameOpcode, messageOpcode);
    }

    public int GetTextCaptureLimit() => _session.TextCaptureLimit(_from);

    public void OnTextMessage(ReadOnlySpan<byte> payload, long messageLength) =>
        _session.OnTextMessage(_from, payload, messageLength);

    public void OnClose(int? code, ReadOnlySpan<byte> reason) => _session.OnCloseFrame(_from, code);

    public void OnProtocolError(FrameProtocolError error) => _session.OnProtocolError(_from, error);
}
