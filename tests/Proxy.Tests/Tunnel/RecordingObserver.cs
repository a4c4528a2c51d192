using System.Text;
using Proxy.Gateway;
using Proxy.Tunnel;

namespace Proxy.Tests.Tunnel;

internal sealed record FrameSeen(WebSocketOpcode FrameOpcode, WebSocketOpcode MessageOpcode, bool Fin, long PayloadLength);

internal sealed record TextSeen(string Payload, long MessageLength);

internal sealed record CloseSeen(int? Code, string Reason);

internal sealed record ErrorSeen(FrameProtocolError Error);

/// <summary>Records every observer call, in order, copying spans while they are valid.</summary>
internal sealed class RecordingObserver : IWebSocketFrameObserver
{
    private readonly int _textCaptureLimit;

    public RecordingObserver(int textCaptureLimit = 1024 * 1024)
    {
        _textCaptureLimit = textCaptureLimit;
    }

    public List<object> Events { get; } = [];

    public int CaptureLimitRequests { get; private set; }

    public List<FrameSeen> Frames => [.. Events.OfType<FrameSeen>()];

    public List<TextSeen> Texts => [.. Events.OfType<TextSeen>()];

    public List<CloseSeen> Closes => [.. Events.OfType<CloseSeen>()];

    public List<FrameProtocolError> Errors => [.. Events.OfType<ErrorSeen>().Select(e => e.Error)];

    public List<byte[]> TextBytes { get; } = [];

    public void OnFrame(WebSocketOpcode frameOpcode, WebSocketOpcode messageOpcode, bool fin, long payloadLength) =>
        Events.Add(new FrameSeen(frameOpcode, messageOpcode, fin, payloadLength));

    public int GetTextCaptureLimit()
    {
        CaptureLimitRequests++;
        return _textCaptureLimit;
    }

    /// <summary>What <see cref="ExtendTextCapture"/> answers (0: no more than the first limit).</summary>
    public int ExtendedTextCaptureLimit { get; set; }

    public List<byte[]> ExtensionPrefixes { get; } = [];

    public int ExtendTextCapture(ReadOnlySpan<byte> prefix)
    {
        ExtensionPrefixes.Add(prefix.ToArray());
        return ExtendedTextCaptureLimit;
    }

    public void OnTextMessage(ReadOnlySpan<byte> payload, long messageLength)
    {
        TextBytes.Add(payload.ToArray());
        Events.Add(new TextSeen(Encoding.UTF8.GetString(payload), messageLength));
    }

    public void OnClose(int? code, ReadOnlySpan<byte> reason) =>
        Events.Add(new CloseSeen(code, Encoding.UTF8.GetString(reason)));

    public void OnProtocolError(FrameProtocolError error) => Events.Add(new ErrorSeen(error));
}
