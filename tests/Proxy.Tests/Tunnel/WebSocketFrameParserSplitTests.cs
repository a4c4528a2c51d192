using Proxy.Gateway;
using Proxy.Tunnel;
using static Proxy.Tests.Tunnel.FrameBuilder;

namespace Proxy.Tests.Tunnel;

/// <summary>
/// The copy loop hands the parser reads of any size, so a header, a mask key, an extended length or a payload may be
/// cut anywhere. Whatever the cuts, the parser must report exactly what it reports for the whole stream at once.
/// </summary>
public sealed class WebSocketFrameParserSplitTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Every_single_split_point_gives_the_same_events_as_one_read(bool clientToServer)
    {
        var stream = Session(clientToServer);
        var expected = EventsOf(clientToServer, stream);

        for (var split = 0; split <= stream.Length; split++)
        {
            using var harness = new ParserHarness(clientToServer, textCaptureLimit: 64).Feed(stream[..split], stream[split..]);

            Assert.True(expected.SequenceEqual(harness.Observer.Events), $"split at byte {split} differs");
            Assert.False(harness.Parser.IsInsideFrame);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Byte_by_byte_reads_give_the_same_events_as_one_read(bool clientToServer)
    {
        var stream = Session(clientToServer);
        var expected = EventsOf(clientToServer, stream);

        using var harness = new ParserHarness(clientToServer, textCaptureLimit: 64).FeedByteByByte(stream);

        Assert.Equal(expected, harness.Observer.Events);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Every_pair_of_split_points_gives_the_same_events_as_one_read(bool clientToServer)
    {
        var stream = Compact(clientToServer);
        var expected = EventsOf(clientToServer, stream);

        for (var first = 0; first <= stream.Length; first++)
        {
            for (var second = first; second <= stream.Length; second++)
            {
                using var harness = new ParserHarness(clientToServer, textCaptureLimit: 64)
                    .Feed(stream[..first], stream[first..second], stream[second..]);

                Assert.True(expected.SequenceEqual(harness.Observer.Events), $"splits at {first} and {second} differ");
            }
        }
    }

    [Fact]
    public void The_reference_events_are_the_ones_the_stream_was_built_from()
    {
        var expected = EventsOf(clientToServer: true, Session(masked: true));

        Assert.Equal(
            [
                new FrameSeen(WebSocketOpcode.Text, WebSocketOpcode.Text, true, 20),
                new TextSeen("{\"type\":\"KeepAlive\"}", 20),
                new FrameSeen(WebSocketOpcode.Binary, WebSocketOpcode.Binary, true, 300),
                new FrameSeen(WebSocketOpcode.Text, WebSocketOpcode.Text, false, 30),
                new FrameSeen(WebSocketOpcode.Ping, WebSocketOpcode.Ping, true, 4),
                new FrameSeen(WebSocketOpcode.Continuation, WebSocketOpcode.Text, false, 0),
                new FrameSeen(WebSocketOpcode.Pong, WebSocketOpcode.Pong, true, 0),
                new FrameSeen(WebSocketOpcode.Continuation, WebSocketOpcode.Text, true, 70),
                new TextSeen(Letters(30) + Letters(34), 100),
                new FrameSeen(WebSocketOpcode.Binary, WebSocketOpcode.Binary, true, 70000),
                new FrameSeen(WebSocketOpcode.Close, WebSocketOpcode.Close, true, 5),
                new CloseSeen(1000, "bye"),
            ],
            expected);
    }

    private static List<object> EventsOf(bool clientToServer, byte[] stream)
    {
        using var harness = new ParserHarness(clientToServer, textCaptureLimit: 64).Feed(stream);
        Assert.Empty(harness.Observer.Errors);
        return harness.Observer.Events;
    }

    // Every header form (7, 16 and 64 bit lengths), masks, a fragmented and truncated text with control frames
    // between its fragments, and a Close at the end.
    private static byte[] Session(bool masked) => Concat(
        Text("{\"type\":\"KeepAlive\"}", masked),
        Binary(300, masked),
        Text(Letters(30), masked, fin: false),
        Ping("ping", masked),
        Continuation(string.Empty, masked, fin: false),
        Pong(string.Empty, masked),
        Continuation(Letters(70), masked, fin: true),
        Binary(70000, masked),
        Close(1000, "bye", masked));

    private static byte[] Compact(bool masked) => Concat(
        Text("ab", masked, fin: false),
        Ping("p", masked),
        Continuation("cd", masked, fin: true),
        Frame((int)WebSocketOpcode.Binary, Pattern(130), masked),
        Text("{\"type\":\"Settings\"}", masked),
        Close(1001, "x", masked));
}
