using Proxy.Gateway;
using Proxy.Tunnel;
using static Proxy.Tests.Tunnel.FrameBuilder;

namespace Proxy.Tests.Tunnel;

/// <summary>
/// A stream that breaks RFC 6455 is reported once, with the rule it broke; from then on the parser interprets nothing
/// (the tunnel only counts bytes), even a perfectly valid frame.
/// </summary>
public sealed class WebSocketFrameParserProtocolErrorTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(7)]
    public void Reserved_bits_are_an_error(int rsv)
    {
        var frame = Frame((int)WebSocketOpcode.Text, "compressed?"u8, masked: true, rsv: rsv);

        AssertFails(clientToServer: true, frame, FrameProtocolError.ReservedBitsSet, eventsBefore: 0);
    }

    [Theory]
    [InlineData(0x3)]
    [InlineData(0x4)]
    [InlineData(0x5)]
    [InlineData(0x6)]
    [InlineData(0x7)]
    [InlineData(0xB)]
    [InlineData(0xC)]
    [InlineData(0xD)]
    [InlineData(0xE)]
    [InlineData(0xF)]
    public void Reserved_opcodes_are_an_error(int opcode)
    {
        AssertFails(clientToServer: false, Frame(opcode, "x"u8, masked: false), FrameProtocolError.ReservedOpcode, eventsBefore: 0);
    }

    [Theory]
    [InlineData(0x8)]
    [InlineData(0x9)]
    [InlineData(0xA)]
    public void Fragmented_control_frames_are_an_error(int opcode)
    {
        AssertFails(clientToServer: true, Frame(opcode, "ab"u8, masked: true, fin: false), FrameProtocolError.FragmentedControlFrame, eventsBefore: 0);
    }

    [Theory]
    [InlineData(0x8)]
    [InlineData(0x9)]
    [InlineData(0xA)]
    public void Control_frames_longer_than_125_bytes_are_an_error(int opcode)
    {
        AssertFails(clientToServer: false, Frame(opcode, Pattern(126), masked: false), FrameProtocolError.ControlFrameTooLong, eventsBefore: 0);
    }

    [Fact]
    public void Control_frame_of_exactly_125_bytes_is_accepted()
    {
        using var harness = new ParserHarness(clientToServer: false).Feed(Frame((int)WebSocketOpcode.Ping, Pattern(125), masked: false));

        Assert.Equal([new FrameSeen(WebSocketOpcode.Ping, WebSocketOpcode.Ping, true, 125)], harness.Observer.Events);
    }

    [Fact]
    public void Continuation_without_a_message_is_an_error()
    {
        AssertFails(clientToServer: true, Continuation("orphan", masked: true), FrameProtocolError.UnexpectedContinuation, eventsBefore: 0);
    }

    [Fact]
    public void Continuation_after_a_finished_message_is_an_error()
    {
        var data = Concat(Text("done", masked: true), Continuation("more", masked: true));

        AssertFails(clientToServer: true, data, FrameProtocolError.UnexpectedContinuation, eventsBefore: 2);
    }

    [Theory]
    [InlineData(0x1, 0x1)]
    [InlineData(0x1, 0x2)]
    [InlineData(0x2, 0x1)]
    [InlineData(0x2, 0x2)]
    public void New_data_frame_inside_a_fragmented_message_is_an_error(int first, int second)
    {
        var data = Concat(
            Frame(first, "part"u8, masked: false, fin: false),
            Frame(second, "new"u8, masked: false));

        AssertFails(clientToServer: false, data, FrameProtocolError.ExpectedContinuation, eventsBefore: 1);
    }

    [Fact]
    public void Unmasked_client_frame_is_an_error()
    {
        AssertFails(clientToServer: true, Text("plain", masked: false), FrameProtocolError.MaskMismatch, eventsBefore: 0);
    }

    [Fact]
    public void Masked_server_frame_is_an_error()
    {
        AssertFails(clientToServer: false, Text("masked", masked: true), FrameProtocolError.MaskMismatch, eventsBefore: 0);
    }

    [Fact]
    public void Sixty_four_bit_length_with_the_most_significant_bit_set_is_an_error()
    {
        var header = RawHeader((int)WebSocketOpcode.Binary, LengthForm.Bits64, 0x8000_0000_0000_0001, masked: true);

        AssertFails(clientToServer: true, header, FrameProtocolError.InvalidPayloadLength, eventsBefore: 0);
    }

    [Fact]
    public void Sixty_four_bit_length_just_below_the_most_significant_bit_is_accepted()
    {
        var header = RawHeader((int)WebSocketOpcode.Binary, LengthForm.Bits64, long.MaxValue, masked: false);

        using var harness = new ParserHarness(clientToServer: false).Feed(header);

        Assert.Equal([new FrameSeen(WebSocketOpcode.Binary, WebSocketOpcode.Binary, true, long.MaxValue)], harness.Observer.Events);
        Assert.False(harness.Parser.IsFaulted);
    }

    [Fact]
    public void Data_after_close_is_an_error()
    {
        var data = Concat(Close(1000, "bye", masked: true), Text("late", masked: true));

        AssertFails(clientToServer: true, data, FrameProtocolError.DataAfterClose, eventsBefore: 2);
    }

    [Fact]
    public void A_single_byte_after_an_empty_close_in_a_later_read_is_an_error()
    {
        using var harness = new ParserHarness(clientToServer: false).Feed(Close(null, string.Empty, masked: false));
        Assert.False(harness.Parser.IsFaulted);

        harness.Feed([0x81]);

        Assert.Equal(FrameProtocolError.DataAfterClose, harness.Parser.Error);
        Assert.Equal([FrameProtocolError.DataAfterClose], harness.Observer.Errors);
    }

    [Fact]
    public void Error_in_a_header_split_across_reads_is_found_when_the_header_completes()
    {
        var frame = Frame((int)WebSocketOpcode.Ping, Pattern(200), masked: true, form: LengthForm.Bits16);
        using var harness = new ParserHarness(clientToServer: true);

        harness.FeedByteByByte(frame[..5]);
        Assert.False(harness.Parser.IsFaulted);

        harness.Feed(frame[5..]);
        Assert.Equal(FrameProtocolError.ControlFrameTooLong, harness.Parser.Error);
    }

    [Fact]
    public void Events_before_the_error_are_kept_and_the_error_is_reported_once()
    {
        var data = Concat(Text("ok", masked: true), Binary(3, masked: true), Text("bad", masked: false));
        using var harness = new ParserHarness(clientToServer: true).Feed(data);
        harness.Feed(Text("valid", masked: true), Text("plain", masked: false));

        Assert.Equal(
            [
                new FrameSeen(WebSocketOpcode.Text, WebSocketOpcode.Text, true, 2),
                new TextSeen("ok", 2),
                new FrameSeen(WebSocketOpcode.Binary, WebSocketOpcode.Binary, true, 3),
                new ErrorSeen(FrameProtocolError.MaskMismatch),
            ],
            harness.Observer.Events);
    }

    [Fact]
    public void An_open_text_message_is_not_delivered_after_an_error()
    {
        var data = Concat(
            Text("{\"type\":", masked: true, fin: false),
            Frame((int)WebSocketOpcode.Text, "x"u8, masked: true),
            Continuation("\"Settings\"}", masked: true));

        using var harness = new ParserHarness(clientToServer: true).Feed(data);

        Assert.Empty(harness.Observer.Texts);
        Assert.Equal([FrameProtocolError.ExpectedContinuation], harness.Observer.Errors);
    }

    private static void AssertFails(bool clientToServer, byte[] data, FrameProtocolError expected, int eventsBefore)
    {
        // One read, and the same bytes one at a time: the error must not depend on how the bytes arrive.
        foreach (var byteByByte in new[] { false, true })
        {
            using var harness = new ParserHarness(clientToServer);
            if (byteByByte)
            {
                harness.FeedByteByByte(data);
            }
            else
            {
                harness.Feed(data);
            }

            Assert.True(harness.Parser.IsFaulted);
            Assert.Equal(expected, harness.Parser.Error);
            Assert.Equal(eventsBefore + 1, harness.Observer.Events.Count);
            Assert.Equal(new ErrorSeen(expected), harness.Observer.Events[^1]);

            // Nothing is interpreted afterwards, not even a valid frame for this direction.
            harness.Feed(Text("{\"type\":\"Settings\"}", clientToServer), Close(1000, string.Empty, clientToServer));
            Assert.Equal(eventsBefore + 1, harness.Observer.Events.Count);
            Assert.Equal(expected, harness.Parser.Error);
        }
    }
}
