using System.Text;
using Proxy.Gateway;
using Proxy.Tunnel;
using static Proxy.Tests.Tunnel.FrameBuilder;

namespace Proxy.Tests.Tunnel;

public sealed class WebSocketFrameParserTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Text_frame_reports_the_frame_then_the_whole_message(bool clientToServer)
    {
        using var harness = new ParserHarness(clientToServer).Feed(Text("{\"type\":\"KeepAlive\"}", clientToServer));

        Assert.Equal(
            [
                new FrameSeen(WebSocketOpcode.Text, WebSocketOpcode.Text, true, 20),
                new TextSeen("{\"type\":\"KeepAlive\"}", 20),
            ],
            harness.Observer.Events);
        Assert.False(harness.Parser.IsFaulted);
        Assert.Equal(FrameProtocolError.None, harness.Parser.Error);
    }

    [Fact]
    public void Masked_client_text_is_unmasked_with_the_frame_key()
    {
        byte[] key = [0xA1, 0x00, 0xFF, 0x5C];
        var frame = Frame((int)WebSocketOpcode.Text, "Hello, agent!"u8, masked: true, mask: key);

        using var harness = new ParserHarness(clientToServer: true).Feed(frame);

        Assert.Equal([new TextSeen("Hello, agent!", 13)], harness.Observer.Texts);
    }

    [Fact]
    public void Each_frame_of_a_fragmented_message_is_unmasked_with_its_own_key()
    {
        var first = Frame((int)WebSocketOpcode.Text, "abcde"u8, masked: true, fin: false, mask: [1, 2, 3, 4]);
        var second = Frame((int)WebSocketOpcode.Continuation, "fghij"u8, masked: true, fin: true, mask: [0x80, 0x40, 0x20, 0x10]);

        using var harness = new ParserHarness(clientToServer: true).Feed(first, second);

        Assert.Equal([new TextSeen("abcdefghij", 10)], harness.Observer.Texts);
    }

    [Fact]
    public void Unmasked_server_text_is_reported_as_sent()
    {
        using var harness = new ParserHarness(clientToServer: false)
            .Feed(Text("{\"type\":\"Welcome\",\"request_id\":\"r-1\"}", masked: false));

        Assert.Equal([new TextSeen("{\"type\":\"Welcome\",\"request_id\":\"r-1\"}", 37)], harness.Observer.Texts);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Binary_frame_is_counted_but_never_delivered_as_text(bool clientToServer)
    {
        using var harness = new ParserHarness(clientToServer).Feed(Binary(640, clientToServer));

        Assert.Equal([new FrameSeen(WebSocketOpcode.Binary, WebSocketOpcode.Binary, true, 640)], harness.Observer.Events);
        Assert.Equal(0, harness.Observer.CaptureLimitRequests);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Close_with_code_and_reason_reports_both(bool clientToServer)
    {
        using var harness = new ParserHarness(clientToServer).Feed(Close(4001, "bye now", clientToServer));

        Assert.Equal(
            [
                new FrameSeen(WebSocketOpcode.Close, WebSocketOpcode.Close, true, 9),
                new CloseSeen(4001, "bye now"),
            ],
            harness.Observer.Events);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Close_with_code_only_reports_an_empty_reason(bool clientToServer)
    {
        using var harness = new ParserHarness(clientToServer).Feed(Close(1000, string.Empty, clientToServer));

        Assert.Equal([new CloseSeen(1000, string.Empty)], harness.Observer.Closes);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Close_without_payload_reports_no_code(bool clientToServer)
    {
        using var harness = new ParserHarness(clientToServer).Feed(Close(null, string.Empty, clientToServer));

        Assert.Equal(
            [
                new FrameSeen(WebSocketOpcode.Close, WebSocketOpcode.Close, true, 0),
                new CloseSeen(null, string.Empty),
            ],
            harness.Observer.Events);
    }

    [Fact]
    public void Masked_close_code_and_reason_are_unmasked()
    {
        // A mask byte per position that would flip the code bytes, so a missing unmask cannot give 1001.
        var frame = Frame((int)WebSocketOpcode.Close, [0x03, 0xE9, (byte)'g', (byte)'o', (byte)'n', (byte)'e'], masked: true, mask: [0xFF, 0x0F, 0xF0, 0x55]);

        using var harness = new ParserHarness(clientToServer: true).Feed(frame);

        Assert.Equal([new CloseSeen(1001, "gone")], harness.Observer.Closes);
    }

    [Fact]
    public void Close_with_a_125_byte_payload_keeps_the_whole_reason()
    {
        var reason = Letters(123);

        using var harness = new ParserHarness(clientToServer: true).Feed(Close(1000, reason, masked: true));

        Assert.Equal([new CloseSeen(1000, reason)], harness.Observer.Closes);
    }

    [Theory]
    [InlineData(0x9, true)]
    [InlineData(0x9, false)]
    [InlineData(0xA, true)]
    [InlineData(0xA, false)]
    public void Ping_and_pong_are_reported_as_control_frames_only(int opcode, bool clientToServer)
    {
        var frame = Frame(opcode, "are you there?"u8, clientToServer);

        using var harness = new ParserHarness(clientToServer).Feed(frame);

        var op = (WebSocketOpcode)opcode;
        Assert.Equal([new FrameSeen(op, op, true, 14)], harness.Observer.Events);
        Assert.Equal(0, harness.Observer.CaptureLimitRequests);
        Assert.False(harness.Parser.IsInsideFrame);
        Assert.False(harness.Parser.IsInsideMessage);
    }

    [Fact]
    public void Empty_ping_and_pong_complete_immediately()
    {
        using var harness = new ParserHarness(clientToServer: false).Feed(Ping(string.Empty, false), Pong(string.Empty, false), Text("x", false));

        Assert.Equal(
            [
                new FrameSeen(WebSocketOpcode.Ping, WebSocketOpcode.Ping, true, 0),
                new FrameSeen(WebSocketOpcode.Pong, WebSocketOpcode.Pong, true, 0),
                new FrameSeen(WebSocketOpcode.Text, WebSocketOpcode.Text, true, 1),
                new TextSeen("x", 1),
            ],
            harness.Observer.Events);
    }

    [Theory]
    [InlineData(0, 2)]
    [InlineData(1, 2)]
    [InlineData(125, 2)]
    [InlineData(126, 4)]
    [InlineData(127, 4)]
    [InlineData(65535, 4)]
    [InlineData(65536, 10)]
    [InlineData(70001, 10)]
    public void Payload_lengths_in_all_three_header_forms_are_read(int length, int headerLength)
    {
        foreach (var clientToServer in new[] { true, false })
        {
            var text = Letters(length);
            var frame = Text(text, clientToServer);
            Assert.Equal(headerLength + (clientToServer ? 4 : 0) + length, frame.Length);

            using var harness = new ParserHarness(clientToServer).Feed(frame);

            Assert.Equal(
                [
                    new FrameSeen(WebSocketOpcode.Text, WebSocketOpcode.Text, true, length),
                    new TextSeen(text, length),
                ],
                harness.Observer.Events);
            Assert.False(harness.Parser.IsInsideFrame);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(125)]
    [InlineData(126)]
    [InlineData(65535)]
    [InlineData(65536)]
    public void Binary_payload_lengths_in_all_three_header_forms_are_counted(int length)
    {
        using var harness = new ParserHarness(clientToServer: true).Feed(Binary(length, masked: true), Text("after", masked: true));

        Assert.Equal(
            [
                new FrameSeen(WebSocketOpcode.Binary, WebSocketOpcode.Binary, true, length),
                new FrameSeen(WebSocketOpcode.Text, WebSocketOpcode.Text, true, 5),
                new TextSeen("after", 5),
            ],
            harness.Observer.Events);
    }

    [Fact]
    public void Non_minimal_length_forms_are_accepted()
    {
        var payload = "hey"u8.ToArray();
        var via16 = Frame((int)WebSocketOpcode.Text, payload, masked: false, form: LengthForm.Bits16);
        var via64 = Frame((int)WebSocketOpcode.Text, payload, masked: false, form: LengthForm.Bits64);

        using var harness = new ParserHarness(clientToServer: false).Feed(via16, via64);

        Assert.Equal([new TextSeen("hey", 3), new TextSeen("hey", 3)], harness.Observer.Texts);
    }

    [Fact]
    public void Sixty_four_bit_length_beyond_int_range_is_reported_from_the_header()
    {
        const long length = 5_000_000_000;
        using var harness = new ParserHarness(clientToServer: true).Feed(Header((int)WebSocketOpcode.Binary, length, masked: true));

        Assert.Equal([new FrameSeen(WebSocketOpcode.Binary, WebSocketOpcode.Binary, true, length)], harness.Observer.Events);
        Assert.True(harness.Parser.IsInsideFrame);

        harness.Feed(new byte[100_000]);

        Assert.True(harness.Parser.IsInsideFrame);
        Assert.False(harness.Parser.IsFaulted);
        Assert.Single(harness.Observer.Events);
    }

    [Fact]
    public void Fragmented_text_with_interleaved_ping_and_pong_is_one_message()
    {
        var data = Concat(
            Text("{\"type\":", masked: true, fin: false),
            Ping("p1", masked: true),
            Continuation("\"Sett", masked: true, fin: false),
            Pong(string.Empty, masked: true),
            Ping("p2", masked: true),
            Continuation("ings\"}", masked: true, fin: true));

        using var harness = new ParserHarness(clientToServer: true).Feed(data);

        Assert.Equal(
            [
                new FrameSeen(WebSocketOpcode.Text, WebSocketOpcode.Text, false, 8),
                new FrameSeen(WebSocketOpcode.Ping, WebSocketOpcode.Ping, true, 2),
                new FrameSeen(WebSocketOpcode.Continuation, WebSocketOpcode.Text, false, 5),
                new FrameSeen(WebSocketOpcode.Pong, WebSocketOpcode.Pong, true, 0),
                new FrameSeen(WebSocketOpcode.Ping, WebSocketOpcode.Ping, true, 2),
                new FrameSeen(WebSocketOpcode.Continuation, WebSocketOpcode.Text, true, 6),
                new TextSeen("{\"type\":\"Settings\"}", 19),
            ],
            harness.Observer.Events);
        Assert.Equal(1, harness.Observer.CaptureLimitRequests);
    }

    [Fact]
    public void Fragmented_binary_reports_binary_as_the_message_opcode_of_continuations()
    {
        var data = Concat(
            Binary(100, masked: true, fin: false),
            BinaryContinuation(200, masked: true, fin: false),
            Ping(string.Empty, masked: true),
            BinaryContinuation(300, masked: true, fin: true));

        using var harness = new ParserHarness(clientToServer: true).Feed(data);

        Assert.Equal(
            [
                new FrameSeen(WebSocketOpcode.Binary, WebSocketOpcode.Binary, false, 100),
                new FrameSeen(WebSocketOpcode.Continuation, WebSocketOpcode.Binary, false, 200),
                new FrameSeen(WebSocketOpcode.Ping, WebSocketOpcode.Ping, true, 0),
                new FrameSeen(WebSocketOpcode.Continuation, WebSocketOpcode.Binary, true, 300),
            ],
            harness.Observer.Events);
        Assert.Equal(0, harness.Observer.CaptureLimitRequests);
        Assert.False(harness.Parser.IsInsideMessage);
    }

    [Fact]
    public void A_message_after_a_fragmented_binary_message_starts_fresh()
    {
        var data = Concat(
            Binary(10, masked: false, fin: false),
            BinaryContinuation(10, masked: false, fin: true),
            Text("next", masked: false),
            Binary(3, masked: false));

        using var harness = new ParserHarness(clientToServer: false).Feed(data);

        Assert.Equal([new TextSeen("next", 4)], harness.Observer.Texts);
        Assert.Equal(WebSocketOpcode.Binary, harness.Observer.Frames[^1].MessageOpcode);
        Assert.Empty(harness.Observer.Errors);
    }

    [Fact]
    public void Empty_text_message_is_delivered_empty()
    {
        using var harness = new ParserHarness(clientToServer: true).Feed(Text(string.Empty, masked: true));

        Assert.Equal([new TextSeen(string.Empty, 0)], harness.Observer.Texts);
    }

    [Fact]
    public void Text_longer_than_the_capture_limit_is_truncated_but_reports_its_full_length()
    {
        var text = Letters(1000);

        using var harness = new ParserHarness(clientToServer: true, textCaptureLimit: 10).Feed(Text(text, masked: true));

        Assert.Equal([new TextSeen("abcdefghij", 1000)], harness.Observer.Texts);
    }

    [Fact]
    public void Capture_limit_reached_inside_a_later_fragment_keeps_the_first_bytes_of_the_message()
    {
        var data = Concat(
            Text("abcd", masked: true, fin: false),
            Continuation("efgh", masked: true, fin: false),
            Continuation("ijkl", masked: true, fin: true));

        using var harness = new ParserHarness(clientToServer: true, textCaptureLimit: 6).Feed(data);

        Assert.Equal([new TextSeen("abcdef", 12)], harness.Observer.Texts);
    }

    [Fact]
    public void Capture_limit_equal_to_the_length_delivers_the_whole_message()
    {
        using var harness = new ParserHarness(clientToServer: false, textCaptureLimit: 5).Feed(Text("exact", masked: false));

        Assert.Equal([new TextSeen("exact", 5)], harness.Observer.Texts);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void Capture_limit_zero_or_negative_copies_nothing(int limit)
    {
        using var harness = new ParserHarness(clientToServer: true, textCaptureLimit: limit)
            .Feed(Text("{\"type\":\"Settings\"}", masked: true), Text("second", masked: true));

        Assert.Equal([new TextSeen(string.Empty, 19), new TextSeen(string.Empty, 6)], harness.Observer.Texts);
        Assert.All(harness.Observer.TextBytes, bytes => Assert.Empty(bytes));
    }

    [Fact]
    public void Capture_limit_is_asked_once_per_text_message()
    {
        var data = Concat(
            Text("a", masked: false),
            Binary(4, masked: false),
            Text("b", masked: false, fin: false),
            Continuation("c", masked: false, fin: true),
            Ping("x", masked: false));

        using var harness = new ParserHarness(clientToServer: false).Feed(data);

        Assert.Equal(2, harness.Observer.CaptureLimitRequests);
        Assert.Equal([new TextSeen("a", 1), new TextSeen("bc", 2)], harness.Observer.Texts);
    }

    [Fact]
    public void Text_captured_across_many_small_reads_grows_its_buffer_without_losing_bytes()
    {
        // 3000 bytes in one-byte reads crosses the 256-byte initial buffer and several doublings.
        var text = Letters(3000);
        var frame = Text(text, masked: true);

        using var harness = new ParserHarness(clientToServer: true, textCaptureLimit: 100_000).FeedByteByByte(frame);

        Assert.Equal([new TextSeen(text, 3000)], harness.Observer.Texts);
    }

    [Fact]
    public void Consecutive_text_messages_do_not_share_captured_bytes()
    {
        using var harness = new ParserHarness(clientToServer: true)
            .Feed(Text(Letters(600), masked: true), Text("short", masked: true));

        Assert.Equal([new TextSeen(Letters(600), 600), new TextSeen("short", 5)], harness.Observer.Texts);
    }

    [Fact]
    public void Utf8_text_is_delivered_as_raw_bytes()
    {
        var text = "grüße 👋";
        using var harness = new ParserHarness(clientToServer: true).Feed(Text(text, masked: true));

        Assert.Equal(Encoding.UTF8.GetBytes(text), Assert.Single(harness.Observer.TextBytes));
    }

    [Fact]
    public void Frame_and_message_state_follow_the_byte_stream()
    {
        using var harness = new ParserHarness(clientToServer: true);
        var parser = harness.Parser;
        var first = Text("abc", masked: true, fin: false);
        var last = Continuation("def", masked: true, fin: true);

        Assert.False(parser.IsInsideFrame);
        Assert.False(parser.IsInsideMessage);

        harness.Feed(first[..1]);
        Assert.True(parser.IsInsideFrame);
        Assert.False(parser.IsInsideMessage);

        harness.Feed(first[1..6]);
        Assert.True(parser.IsInsideFrame);

        // Full header (2 + 4 mask bytes): the frame and the message have started.
        Assert.True(parser.IsInsideMessage);

        harness.Feed(first[6..]);
        Assert.False(parser.IsInsideFrame);
        Assert.True(parser.IsInsideMessage);

        var ping = Ping("hi", masked: true);
        harness.Feed(ping[..3]);
        Assert.True(parser.IsInsideFrame);
        Assert.True(parser.IsInsideMessage);
        harness.Feed(ping[3..]);
        Assert.False(parser.IsInsideFrame);
        Assert.True(parser.IsInsideMessage);

        harness.Feed(last[..^1]);
        Assert.True(parser.IsInsideFrame);
        Assert.True(parser.IsInsideMessage);

        harness.Feed(last[^1..]);
        Assert.False(parser.IsInsideFrame);
        Assert.False(parser.IsInsideMessage);
        Assert.Equal([new TextSeen("abcdef", 6)], harness.Observer.Texts);
    }

    [Fact]
    public void Empty_read_changes_nothing()
    {
        using var harness = new ParserHarness(clientToServer: false);
        var frame = Text("abc", masked: false);
        harness.Feed(frame[..3], [], frame[3..], []);

        Assert.Equal([new TextSeen("abc", 3)], harness.Observer.Texts);
        Assert.False(harness.Parser.IsInsideFrame);
    }
}
