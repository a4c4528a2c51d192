using System.Buffers.Binary;
using Proxy.Gateway;
using Proxy.Tunnel;
using static Proxy.Tests.Tunnel.FrameBuilder;

namespace Proxy.Tests.Tunnel;

/// <summary>
/// RFC 6455 §5.5.1 and §7.4: a Close payload is empty, or a status code a peer may send (1000–1003, 1007–1014,
/// 3000–4999) followed by a UTF-8 reason. Anything else is a protocol violation, found however the frame is split
/// across reads, and never reported as a Close: a code a peer may not send must never become the session's code.
/// </summary>
public sealed class WebSocketFrameParserCloseTests
{
    public static TheoryData<int> ForbiddenCodes() =>
    [
        // Below the range: 0–999 are not used.
        0, 1, 999,

        // Reserved: 1004 has no meaning, 1005 and 1006 are what an endpoint observed (no status, connection dropped),
        // 1015 a TLS failure – none of them may appear in a Close frame.
        1004, 1005, 1006, 1015,

        // Unassigned in IANA's registry: 1016–2999.
        1016, 1100, 2000, 2999,

        // Above the range.
        5000, 65535,
    ];

    public static TheoryData<int> AllowedCodes() =>
    [
        1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999,
    ];

    public static TheoryData<string, byte[]> InvalidReasons() => new()
    {
        { "broken two-byte sequence", [0xC3, 0x28] },
        { "lone continuation byte", [(byte)'o', (byte)'k', 0x80] },
        { "overlong slash", [0xC0, 0xAF] },
        { "UTF-16 surrogate", [0xED, 0xA0, 0x80] },
        { "above U+10FFFF", [0xF4, 0x90, 0x80, 0x80] },
        { "character cut at the end", [(byte)'b', (byte)'y', 0xE2, 0x82] },
        { "0xFF", [0xFF] },
    };

    [Theory]
    [MemberData(nameof(ForbiddenCodes))]
    public void A_code_a_peer_may_not_send_is_an_error_in_both_directions(int code)
    {
        AssertFails(clientToServer: true, Close(code, "x", masked: true), FrameProtocolError.InvalidCloseCode);
        AssertFails(clientToServer: false, Close(code, string.Empty, masked: false), FrameProtocolError.InvalidCloseCode);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_one_byte_payload_is_an_error(bool clientToServer)
    {
        AssertFails(clientToServer, Frame((int)WebSocketOpcode.Close, [0x03], clientToServer), FrameProtocolError.TruncatedCloseCode);
    }

    [Theory]
    [MemberData(nameof(InvalidReasons))]
    public void A_reason_that_is_not_utf8_is_an_error(string why, byte[] reason)
    {
        Assert.NotEmpty(why);
        AssertFails(clientToServer: true, RawReasonClose(1000, reason, masked: true), FrameProtocolError.InvalidCloseReason);
        AssertFails(clientToServer: false, RawReasonClose(4000, reason, masked: false), FrameProtocolError.InvalidCloseReason);
    }

    [Theory]
    [MemberData(nameof(AllowedCodes))]
    public void A_code_a_peer_may_send_is_reported_in_both_directions(int code)
    {
        foreach (var clientToServer in new[] { true, false })
        {
            using var harness = new ParserHarness(clientToServer).Feed(Close(code, "bye", clientToServer));

            Assert.Equal([new CloseSeen(code, "bye")], harness.Observer.Closes);
            Assert.Empty(harness.Observer.Errors);
            Assert.True(harness.Parser.CloseSeen);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void An_empty_close_is_valid_and_has_no_code(bool clientToServer)
    {
        using var harness = new ParserHarness(clientToServer).Feed(Close(null, string.Empty, clientToServer));

        Assert.Equal([new CloseSeen(null, string.Empty)], harness.Observer.Closes);
        Assert.Empty(harness.Observer.Errors);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_multibyte_reason_split_at_every_point_is_reported_whole(bool clientToServer)
    {
        // Masked, the bytes of "é€😀" are not UTF-8 on the wire: only the unmasked reason may be checked.
        const string reason = "é€😀 fin";
        var frame = Close(1000, reason, clientToServer);
        for (var split = 0; split <= frame.Length; split++)
        {
            using var harness = new ParserHarness(clientToServer).Feed(frame[..split], frame[split..]);

            Assert.True(harness.Observer.Errors.Count == 0, $"split at {split}: {string.Join(", ", harness.Observer.Errors)}");
            Assert.Equal([new CloseSeen(1000, reason)], harness.Observer.Closes);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_reason_made_invalid_only_by_its_last_byte_fails_at_every_split(bool clientToServer)
    {
        // Valid up to the last read; the last byte starts a character that never ends.
        byte[] reason = [.. "é€"u8.ToArray(), 0xF0];
        var frame = RawReasonClose(1001, reason, clientToServer);
        for (var split = 1; split < frame.Length; split++)
        {
            using var harness = new ParserHarness(clientToServer).Feed(frame[..split]);
            Assert.False(harness.Parser.IsFaulted, $"split at {split}: faulted before the frame ended");

            harness.Feed(frame[split..]);

            Assert.Equal([FrameProtocolError.InvalidCloseReason], harness.Observer.Errors);
            Assert.Empty(harness.Observer.Closes);
        }
    }

    [Fact]
    public void A_masked_code_is_checked_after_unmasking()
    {
        // 1000 masked with its own bytes reads 0 on the wire; 2002 (unassigned) masked with 0x04 0x3A reads 1000.
        var valid = Frame((int)WebSocketOpcode.Close, [0x03, 0xE8], masked: true, mask: [0x03, 0xE8, 0, 0]);
        var forbidden = Frame((int)WebSocketOpcode.Close, [0x07, 0xD2], masked: true, mask: [0x04, 0x3A, 0, 0]);

        using var accepted = new ParserHarness(clientToServer: true).Feed(valid);
        using var refused = new ParserHarness(clientToServer: true).Feed(forbidden);

        Assert.Equal([new CloseSeen(1000, string.Empty)], accepted.Observer.Closes);
        Assert.Equal([FrameProtocolError.InvalidCloseCode], refused.Observer.Errors);
    }

    [Fact]
    public void The_fault_of_a_bad_close_points_at_the_close_frame_not_at_the_frames_before_it()
    {
        var audio = Binary(40, masked: true);
        var data = Concat(audio, Close(1005, string.Empty, masked: true));

        using var harness = new ParserHarness(clientToServer: true).Feed(data);

        Assert.Equal(FrameProtocolError.InvalidCloseCode, harness.Parser.Error);
        Assert.Equal(audio.Length, harness.Parser.FaultOffsetInChunk);
        Assert.False(harness.Parser.FaultInsideMessage);
        Assert.False(harness.Parser.CloseSeen);
    }

    [Fact]
    public void A_bad_close_between_fragments_of_a_message_is_a_fault_inside_the_message()
    {
        var data = Concat(Text("part", masked: false, fin: false), Close(1006, string.Empty, masked: false));

        using var harness = new ParserHarness(clientToServer: false).Feed(data);

        Assert.Equal(FrameProtocolError.InvalidCloseCode, harness.Parser.Error);
        Assert.True(harness.Parser.FaultInsideMessage);
    }

    [Theory]
    [InlineData(999, false)]
    [InlineData(1000, true)]
    [InlineData(1003, true)]
    [InlineData(1004, false)]
    [InlineData(1006, false)]
    [InlineData(1007, true)]
    [InlineData(1014, true)]
    [InlineData(1015, false)]
    [InlineData(2999, false)]
    [InlineData(3000, true)]
    [InlineData(4999, true)]
    [InlineData(5000, false)]
    public void The_rule_itself_at_its_edges(int code, bool allowed)
    {
        Assert.Equal(allowed, WebSocketCloseCodes.MaySend(code));
    }

    private static byte[] RawReasonClose(int code, byte[] reason, bool masked)
    {
        var payload = new byte[2 + reason.Length];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)code);
        reason.CopyTo(payload, 2);
        return Frame((int)WebSocketOpcode.Close, payload, masked);
    }

    private static void AssertFails(bool clientToServer, byte[] frame, FrameProtocolError expected)
    {
        // One read, every split into two reads, and one byte at a time: the verdict must not depend on the cuts.
        var feeds = new List<byte[][]> { new[] { frame } };
        for (var split = 1; split < frame.Length; split++)
        {
            feeds.Add([frame[..split], frame[split..]]);
        }

        feeds.Add([.. frame.Select(b => new[] { b })]);
        foreach (var chunks in feeds)
        {
            using var harness = new ParserHarness(clientToServer).Feed(chunks);
            var cuts = string.Join("+", chunks.Select(c => c.Length));

            Assert.True(harness.Observer.Errors.SequenceEqual([expected]), $"{cuts}: errors {string.Join(", ", harness.Observer.Errors)}, closes {string.Join(", ", harness.Observer.Closes)}");
            Assert.Empty(harness.Observer.Closes);
            Assert.False(harness.Parser.CloseSeen);
        }
    }
}
