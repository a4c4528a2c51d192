using Proxy.Gateway;
using Proxy.Tunnel;

namespace Proxy.Tests.Tunnel;

/// <summary>A parser for one direction and the observer that records what it reports.</summary>
internal sealed class ParserHarness : IDisposable
{
    /// <param name="clientToServer">True for the client's direction (frames must be masked), false for the server's.</param>
    public ParserHarness(bool clientToServer, int textCaptureLimit = 1024 * 1024)
    {
        Observer = new RecordingObserver(textCaptureLimit);
        Parser = new WebSocketFrameParser(Observer, expectMasked: clientToServer);
    }

    public RecordingObserver Observer { get; }

    public WebSocketFrameParser Parser { get; }

    public ParserHarness Feed(params byte[][] chunks)
    {
        foreach (var chunk in chunks)
        {
            Parser.Parse(chunk);
        }

        return this;
    }

    public ParserHarness FeedByteByByte(byte[] data)
    {
        for (var i = 0; i < data.Length; i++)
        {
            Parser.Parse(data.AsSpan(i, 1));
        }

        return this;
    }

    public void Dispose() => Parser.Dispose();
}
