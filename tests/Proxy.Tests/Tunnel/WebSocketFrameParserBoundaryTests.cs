using Proxy.Gateway;
using Proxy.Tunnel;
using static Proxy.Tests.Tunnel.FrameBuilder;

namespace Proxy.Tests.Tunnel;

/// <summary>
/// Where each parsed chunk crosses a message boundary: the tunnel injects the proxy's own frames there, so a wrong
/// offset cuts a frame or splits a fragmented message.
/// </summary>
public sealed class WebSocketFrameParserBoundaryTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_fresh_parser_is_at_a_boundary(bool masked)
    {
        using var harness = new ParserHarness(masked);

        Assert.True(harness.Parser.AtMessageBoundary);
        Assert.False(harness.Parser.IsInsideFrame);
        Assert.False(harness.Parser.IsInsideMessage);
        Assert.Equal(-1, harness.Parser.FirstMessageBoundaryInChunk);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_whole_frame_starts_and_ends_at_a_boundary(bool masked)
    {
        var frame = Text("{\"type\":\"KeepAlive\"}", masked);
        using var harness = new ParserHarness(masked).Feed(frame);

        Assert.True(harness.Parser.ChunkStartedAtMessageBoundary);
        Assert.Equal(frame.Length, harness.Parser.FirstMessageBoundaryInChunk);
        Assert.True(harness.Parser.AtMessageBoundary);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Several_frames_in_a_chunk_report_the_end_of_the_first(bool masked)
    {
        var first = Binary(130, masked);
        using var harness = new ParserHarness(masked).Feed(Concat(first, Text("a", masked), Binary(3, masked)));

        Assert.True(harness.Parser.ChunkStartedAtMessageBoundary);
        Assert.Equal(first.Length, harness.Parser.FirstMessageBoundaryInChunk);
        Assert.True(harness.Parser.AtMessageBoundary);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_chunk_that_starts_mid_frame_reports_where_that_frame_ends(bool masked)
    {
        var audio = Binary(300, masked);
        var next = Text("next", masked);
        using var harness = new ParserHarness(masked).Feed(audio[..100]);

        Assert.True(harness.Parser.ChunkStartedAtMessageBoundary);
        Assert.Equal(-1, harness.Parser.FirstMessageBoundaryInChunk);
        Assert.False(harness.Parser.AtMessageBoundary);
        Assert.True(harness.Parser.IsInsideFrame);

        harness.Feed(audio[100..200]);
        Assert.False(harness.Parser.ChunkStartedAtMessageBoundary);
        Assert.Equal(-1, harness.Parser.FirstMessageBoundaryInChunk);
        Assert.False(harness.Parser.AtMessageBoundary);

        harness.Feed(Concat(audio[200..], next));
        Assert.False(harness.Parser.ChunkStartedAtMessageBoundary);
        Assert.Equal(audio.Length - 200, harness.Parser.FirstMessageBoundaryInChunk);
        Assert.True(harness.Parser.AtMessageBoundary);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_chunk_that_ends_exactly_at_the_end_of_a_frame_reports_its_own_length(bool masked)
    {
        var audio = Binary(300, masked);
        using var harness = new ParserHarness(masked).Feed(audio[..150], audio[150..]);

        Assert.False(harness.Parser.ChunkStartedAtMessageBoundary);
        Assert.Equal(audio.Length - 150, harness.Parser.FirstMessageBoundaryInChunk);
        Assert.True(harness.Parser.AtMessageBoundary);

        // The next chunk starts at the boundary.
        harness.Feed(Text("x", masked));
        Assert.True(harness.Parser.ChunkStartedAtMessageBoundary);
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(false, 3)]
    [InlineData(true, 1)]
    [InlineData(true, 7)]
    [InlineData(true, 13)]
    public void A_split_header_is_inside_a_frame(bool masked, int headerBytes)
    {
        var audio = Binary(70_000, masked);
        using var harness = new ParserHarness(masked).Feed(audio[..headerBytes]);

        Assert.True(harness.Parser.IsInsideFrame);
        Assert.False(harness.Parser.AtMessageBoundary);
        Assert.Equal(-1, harness.Parser.FirstMessageBoundaryInChunk);

        harness.Feed(audio[headerBytes..]);
        Assert.False(harness.Parser.ChunkStartedAtMessageBoundary);
        Assert.Equal(audio.Length - headerBytes, harness.Parser.FirstMessageBoundaryInChunk);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Control_frames_inside_a_fragmented_message_are_not_boundaries(bool masked)
    {
        var start = Text("{\"type\":", masked, fin: false);
        var ping = Ping("p", masked);
        var middle = Continuation("\"Settings\"", masked, fin: false);
        var pong = Pong(string.Empty, masked);
        var end = Continuation("}", masked, fin: true);
        var after = Binary(10, masked);
        var stream = Concat(start, ping, middle, pong, end, after);

        using var harness = new ParserHarness(masked).Feed(stream);
        Assert.Equal(stream.Length - after.Length, harness.Parser.FirstMessageBoundaryInChunk);

        using var pieces = new ParserHarness(masked).Feed(start);
        Assert.Equal(-1, pieces.Parser.FirstMessageBoundaryInChunk);
        Assert.True(pieces.Parser.IsInsideMessage);
        Assert.False(pieces.Parser.IsInsideFrame);
        Assert.False(pieces.Parser.AtMessageBoundary);

        pieces.Feed(ping);
        Assert.False(pieces.Parser.ChunkStartedAtMessageBoundary);
        Assert.Equal(-1, pieces.Parser.FirstMessageBoundaryInChunk);
        Assert.False(pieces.Parser.AtMessageBoundary);

        pieces.Feed(Concat(middle, pong));
        Assert.Equal(-1, pieces.Parser.FirstMessageBoundaryInChunk);

        pieces.Feed(Concat(end, after));
        Assert.False(pieces.Parser.ChunkStartedAtMessageBoundary);
        Assert.Equal(end.Length, pieces.Parser.FirstMessageBoundaryInChunk);
        Assert.True(pieces.Parser.AtMessageBoundary);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_lone_control_frame_between_messages_is_a_boundary(bool masked)
    {
        var ping = Ping("are you there", masked);
        using var harness = new ParserHarness(masked).Feed(Concat(ping, Binary(20, masked)));

        Assert.Equal(ping.Length, harness.Parser.FirstMessageBoundaryInChunk);

        harness.Feed(ping[..4], Concat(ping[4..], Text("t", masked)));
        Assert.False(harness.Parser.ChunkStartedAtMessageBoundary);
        Assert.Equal(ping.Length - 4, harness.Parser.FirstMessageBoundaryInChunk);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_close_frame_is_a_boundary(bool masked)
    {
        var close = Close(1000, "bye", masked);
        using var harness = new ParserHarness(masked).Feed(close[..3], close[3..]);

        Assert.Equal(close.Length - 3, harness.Parser.FirstMessageBoundaryInChunk);
        Assert.True(harness.Parser.AtMessageBoundary);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Zero_length_frames_end_where_their_header_ends(bool masked)
    {
        var emptyText = Text(string.Empty, masked);
        using var harness = new ParserHarness(masked).Feed(Concat(emptyText, emptyText));
        Assert.Equal(emptyText.Length, harness.Parser.FirstMessageBoundaryInChunk);

        // A zero-length start and a zero-length end of a fragmented message.
        var start = Binary(0, masked, fin: false);
        var end = BinaryContinuation(0, masked, fin: true);
        harness.Feed(Concat(start, end));
        Assert.Equal(start.Length + end.Length, harness.Parser.FirstMessageBoundaryInChunk);

        // A zero-length ping inside a fragmented message is still not a boundary.
        harness.Feed(Concat(Text("a", masked, fin: false), Ping(string.Empty, masked)));
        Assert.Equal(-1, harness.Parser.FirstMessageBoundaryInChunk);
        Assert.False(harness.Parser.AtMessageBoundary);

        // A zero-length frame whose header is the end of the chunk completes in that chunk.
        var emptyEnd = Continuation(string.Empty, masked, fin: true);
        harness.Feed(emptyEnd[..1]);
        Assert.Equal(-1, harness.Parser.FirstMessageBoundaryInChunk);
        harness.Feed(emptyEnd[1..]);
        Assert.Equal(emptyEnd.Length - 1, harness.Parser.FirstMessageBoundaryInChunk);
        Assert.True(harness.Parser.AtMessageBoundary);
    }

    [Fact]
    public void An_empty_chunk_keeps_the_state_and_has_no_boundary()
    {
        using var harness = new ParserHarness(clientToServer: false).Feed(Text("a", masked: false));
        harness.Parser.Parse(ReadOnlySpan<byte>.Empty);

        Assert.True(harness.Parser.ChunkStartedAtMessageBoundary);
        Assert.Equal(-1, harness.Parser.FirstMessageBoundaryInChunk);
        Assert.True(harness.Parser.AtMessageBoundary);

        harness.Feed(Binary(10, masked: false)[..5]);
        harness.Parser.Parse(ReadOnlySpan<byte>.Empty);
        Assert.False(harness.Parser.ChunkStartedAtMessageBoundary);
        Assert.Equal(-1, harness.Parser.FirstMessageBoundaryInChunk);
        Assert.False(harness.Parser.AtMessageBoundary);
    }

    [Fact]
    public void A_faulted_parser_is_never_at_a_boundary()
    {
        using var harness = new ParserHarness(clientToServer: false).Feed(Binary(10, masked: true));

        Assert.True(harness.Parser.IsFaulted);
        Assert.False(harness.Parser.AtMessageBoundary);

        harness.Feed(Text("a", masked: false));
        Assert.False(harness.Parser.ChunkStartedAtMessageBoundary);
        Assert.Equal(-1, harness.Parser.FirstMessageBoundaryInChunk);
        Assert.False(harness.Parser.AtMessageBoundary);
    }

    [Fact]
    public void Every_split_of_a_conversation_reports_the_first_boundary_after_the_split()
    {
        byte[][] messages =
        [
            Text("{\"type\":\"Welcome\"}", masked: false),
            Concat(Binary(40, masked: false, fin: false), Ping("x", masked: false), BinaryContinuation(200, masked: false)),
            Pong(string.Empty, masked: false),
            Text(string.Empty, masked: false),
            Concat(Text("ab", masked: false, fin: false), Continuation(string.Empty, masked: false, fin: false), Continuation("c", masked: false)),
        ];
        var stream = Concat(messages);
        var boundaries = new List<int> { 0 };
        foreach (var message in messages)
        {
            boundaries.Add(boundaries[^1] + message.Length);
        }

        for (var split = 1; split < stream.Length; split++)
        {
            using var harness = new ParserHarness(clientToServer: false).Feed(stream[..split], stream[split..]);

            var startsAtBoundary = boundaries.Contains(split);
            Assert.Equal(startsAtBoundary, harness.Parser.ChunkStartedAtMessageBoundary);
            var expected = boundaries.First(b => b > split) - split;
            Assert.True(expected == harness.Parser.FirstMessageBoundaryInChunk, $"split at {split}: expected {expected}, got {harness.Parser.FirstMessageBoundaryInChunk}");
            Assert.True(harness.Parser.AtMessageBoundary);
        }
    }
}
