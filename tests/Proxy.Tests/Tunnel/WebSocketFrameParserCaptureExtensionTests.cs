using Proxy.Tunnel;
using static Proxy.Tests.Tunnel.FrameBuilder;

namespace Proxy.Tests.Tunnel;

/// <summary>A text message's first look (the capture limit) and the observer's one chance to want more of it.</summary>
public sealed class WebSocketFrameParserCaptureExtensionTests
{
    private const string Message = "0123456789abcdefghijklmnopqrstuvwxyz";

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_message_past_its_first_look_asks_once_and_gets_what_the_observer_wants(bool clientToServer)
    {
        using var harness = new ParserHarness(clientToServer, textCaptureLimit: 10);
        harness.Observer.ExtendedTextCaptureLimit = 20;

        harness.Feed(Text(Message, clientToServer));

        Assert.Equal(["0123456789"], harness.Observer.ExtensionPrefixes.Select(p => System.Text.Encoding.UTF8.GetString(p)));
        Assert.Equal([new TextSeen(Message[..20], Message.Length)], harness.Observer.Texts);
    }

    [Fact]
    public void Byte_by_byte_and_across_fragments_the_extension_is_asked_once_with_the_full_first_look()
    {
        using var harness = new ParserHarness(clientToServer: true, textCaptureLimit: 10);
        harness.Observer.ExtendedTextCaptureLimit = 1000;
        byte[] frames = [.. Text(Message[..7], masked: true, fin: false), .. Continuation(Message[7..], masked: true)];

        harness.FeedByteByByte(frames);

        Assert.Single(harness.Observer.ExtensionPrefixes);
        Assert.Equal("0123456789"u8.ToArray(), harness.Observer.ExtensionPrefixes[0]);
        Assert.Equal([new TextSeen(Message, Message.Length)], harness.Observer.Texts);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void An_answer_no_larger_than_the_first_look_keeps_it(int answer)
    {
        using var harness = new ParserHarness(clientToServer: false, textCaptureLimit: 10);
        harness.Observer.ExtendedTextCaptureLimit = answer;

        harness.Feed(Text(Message, masked: false), Text(Message, masked: false));

        Assert.Equal(2, harness.Observer.ExtensionPrefixes.Count);
        Assert.Equal([new TextSeen("0123456789", Message.Length), new TextSeen("0123456789", Message.Length)], harness.Observer.Texts);
    }

    [Fact]
    public void A_message_that_fits_its_first_look_or_is_not_captured_asks_nothing()
    {
        using var fits = new ParserHarness(clientToServer: false, textCaptureLimit: Message.Length).Feed(Text(Message, masked: false));
        using var none = new ParserHarness(clientToServer: false, textCaptureLimit: 0).Feed(Text(Message, masked: false));

        Assert.Empty(fits.Observer.ExtensionPrefixes);
        Assert.Empty(none.Observer.ExtensionPrefixes);
        Assert.Equal([new TextSeen(Message, Message.Length)], fits.Observer.Texts);
    }
}
