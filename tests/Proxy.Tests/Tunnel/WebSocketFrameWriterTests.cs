using System.Buffers.Binary;
using System.Text;
using Proxy.Gateway;
using Proxy.Tunnel;

namespace Proxy.Tests.Tunnel;

public sealed class WebSocketFrameWriterTests
{
    [Fact]
    public void Unmasked_text_is_fin_text_opcode_length_and_the_utf8_payload()
    {
        var frame = WebSocketFrameWriter.Text("{\"a\":\"é\"}", masked: false);

        byte[] payload = Encoding.UTF8.GetBytes("{\"a\":\"é\"}");
        Assert.Equal([0x81, (byte)payload.Length, .. payload], frame);
    }

    [Fact]
    public void Masked_text_sets_the_mask_bit_and_xors_the_payload_with_its_key()
    {
        const string text = "{\"type\":\"Warning\"}";
        var frame = WebSocketFrameWriter.Text(text, masked: true);

        var payload = Encoding.UTF8.GetBytes(text);
        Assert.Equal(2 + 4 + payload.Length, frame.Length);
        Assert.Equal(0x81, frame[0]);
        Assert.Equal(0x80 | payload.Length, frame[1]);
        var key = frame.AsSpan(2, 4).ToArray();
        for (var i = 0; i < payload.Length; i++)
        {
            Assert.Equal(payload[i], (byte)(frame[6 + i] ^ key[i & 3]));
        }
    }

    [Theory]
    [InlineData(0, 2)]
    [InlineData(1, 2)]
    [InlineData(125, 2)]
    [InlineData(126, 4)]
    [InlineData(65_535, 4)]
    [InlineData(65_536, 10)]
    [InlineData(200_000, 10)]
    public void Length_uses_the_shortest_of_the_7_16_and_64_bit_forms(int length, int headerLength)
    {
        var text = FrameBuilder.Letters(length);

        var unmasked = WebSocketFrameWriter.Text(text, masked: false);
        var masked = WebSocketFrameWriter.Text(text, masked: true);

        Assert.Equal(headerLength + length, unmasked.Length);
        Assert.Equal(headerLength + 4 + length, masked.Length);
        Assert.Equal(FrameBuilder.Header((int)WebSocketOpcode.Text, length, masked: false), unmasked[..headerLength]);
        var len7 = unmasked[1] & 0x7F;
        switch (headerLength)
        {
            case 2:
                Assert.Equal(length, len7);
                break;
            case 4:
                Assert.Equal(126, len7);
                Assert.Equal(length, BinaryPrimitives.ReadUInt16BigEndian(unmasked.AsSpan(2)));
                break;
            default:
                Assert.Equal(127, len7);
                Assert.Equal((ulong)length, BinaryPrimitives.ReadUInt64BigEndian(unmasked.AsSpan(2)));
                break;
        }

        Assert.Equal(unmasked[1] | 0x80, masked[1]);
        Assert.Equal(unmasked.AsSpan(2, headerLength - 2).ToArray(), masked.AsSpan(2, headerLength - 2).ToArray());
    }

    [Theory]
    [InlineData(false, 0)]
    [InlineData(false, 125)]
    [InlineData(false, 126)]
    [InlineData(false, 70_000)]
    [InlineData(true, 0)]
    [InlineData(true, 125)]
    [InlineData(true, 126)]
    [InlineData(true, 70_000)]
    public void Text_round_trips_through_the_parser(bool masked, int length)
    {
        var text = "{\"description\":\"" + FrameBuilder.Letters(length) + "\"}";
        using var harness = new ParserHarness(clientToServer: masked).Feed(WebSocketFrameWriter.Text(text, masked));

        Assert.Empty(harness.Observer.Errors);
        Assert.Equal([new FrameSeen(WebSocketOpcode.Text, WebSocketOpcode.Text, true, Encoding.UTF8.GetByteCount(text))], harness.Observer.Frames);
        Assert.Equal([new TextSeen(text, text.Length)], harness.Observer.Texts);
        Assert.True(harness.Parser.AtMessageBoundary);
    }

    [Fact]
    public void Unmasked_close_is_fin_close_with_the_code_big_endian_then_the_reason()
    {
        var frame = WebSocketFrameWriter.Close(1012, "SERVER_SHUTDOWN", masked: false);

        Assert.Equal([0x88, 17, 0x03, 0xF4, .. Encoding.ASCII.GetBytes("SERVER_SHUTDOWN")], frame);
    }

    [Theory]
    [InlineData(false, 1000, "SESSION_IDLE_TIMEOUT")]
    [InlineData(false, 1012, "")]
    [InlineData(true, 1000, "closed by proxy")]
    [InlineData(true, 4000, "é – ü")]
    public void Close_round_trips_through_the_parser(bool masked, int code, string reason)
    {
        var frame = WebSocketFrameWriter.Close(code, reason, masked);

        Assert.Equal(masked, (frame[1] & 0x80) != 0);
        using var harness = new ParserHarness(clientToServer: masked).Feed(frame);
        Assert.Empty(harness.Observer.Errors);
        Assert.Equal([new CloseSeen(code, reason)], harness.Observer.Closes);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Close_reason_is_cut_to_123_bytes_so_the_frame_stays_a_valid_control_frame(bool masked)
    {
        var reason = FrameBuilder.Letters(300);

        var frame = WebSocketFrameWriter.Close(1000, reason, masked);

        Assert.Equal(125, frame[1] & 0x7F);
        Assert.Equal(2 + (masked ? 4 : 0) + 125, frame.Length);
        using var harness = new ParserHarness(clientToServer: masked).Feed(frame);
        Assert.Empty(harness.Observer.Errors);
        Assert.Equal([new CloseSeen(1000, reason[..123])], harness.Observer.Closes);
    }

    [Fact]
    public void Close_reason_of_exactly_123_bytes_is_kept_whole()
    {
        var reason = FrameBuilder.Letters(123);

        using var harness = new ParserHarness(clientToServer: false).Feed(WebSocketFrameWriter.Close(1000, reason, masked: false));

        Assert.Equal([new CloseSeen(1000, reason)], harness.Observer.Closes);
    }

    [Fact]
    public void Close_reason_is_never_cut_inside_a_utf8_character()
    {
        // 61 × 'é' (2 bytes each) = 122 bytes, then 'é' again at bytes 122–123: a cut at 123 splits it.
        var reason = new string('é', 70);

        var frame = WebSocketFrameWriter.Close(1000, reason, masked: false);

        var reasonBytes = frame.AsSpan(4).ToArray();
        Assert.True(reasonBytes.Length <= 123);
        var strict = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        Assert.Equal(new string('é', 61), strict.GetString(reasonBytes));
    }

    [Fact]
    public void Masked_frames_each_get_their_own_key()
    {
        var keys = new HashSet<uint>();
        for (var i = 0; i < 8; i++)
        {
            keys.Add(BinaryPrimitives.ReadUInt32BigEndian(WebSocketFrameWriter.Close(1000, "x", masked: true).AsSpan(2)));
        }

        Assert.True(keys.Count > 1);
    }

    [Fact]
    public void Concat_joins_frames_in_order()
    {
        var text = WebSocketFrameWriter.Text("{\"type\":\"Error\"}", masked: false);
        var close = WebSocketFrameWriter.Close(1000, "SESSION_CLOSED_BY_ADMIN", masked: false);

        var joined = WebSocketFrameWriter.Concat(text, close);

        Assert.Equal([.. text, .. close], joined);
        using var harness = new ParserHarness(clientToServer: false).Feed(joined);
        Assert.Empty(harness.Observer.Errors);
        Assert.Equal(2, harness.Observer.Frames.Count);
        Assert.Empty(WebSocketFrameWriter.Concat());
    }
}
