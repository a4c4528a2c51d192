using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Proxy.Gateway;
using Proxy.Tunnel;

namespace Proxy.Tests.Tunnel;

/// <summary>
/// Properties of the frame parser over generated traffic: any valid frame sequence, cut anywhere, parses to the
/// same events as in one piece; and arbitrary bytes never make it throw, whatever the limits.
/// </summary>
public sealed class WebSocketFrameParserPropertyTests
{
    private static readonly Gen<byte[]> ValidFrame =
        from kind in Gen.Choose(0, 5)
        from length in Gen.Frequency((6, Gen.Choose(0, 125)), (3, Gen.Choose(126, 70_000)), (1, Gen.Choose(0, 3)))
        from text in Gen.Elements("hello", "{\"type\":\"KeepAlive\"}", "é€😀", string.Empty)
        select kind switch
        {
            0 => FrameBuilder.Text(text, masked: true),
            1 => FrameBuilder.Ping(text.Length > 100 ? "p" : text, masked: true),
            2 => FrameBuilder.Pong("x", masked: true),
            3 => Concat(FrameBuilder.Text("frag", masked: true, fin: false), FrameBuilder.Ping("in-between", masked: true), FrameBuilder.Continuation(text, masked: true)),
            4 => Concat(FrameBuilder.Binary(length % 300, masked: true, fin: false), FrameBuilder.BinaryContinuation(length, masked: true)),
            _ => FrameBuilder.Binary(length, masked: true),
        };

    private static readonly Gen<(byte[] Stream, int[] Cuts)> SplitStream =
        from count in Gen.Choose(1, 12)
        from frames in Gen.ListOf(ValidFrame, count)
        let stream = Concat([.. frames])
        from cutCount in Gen.Choose(0, 20)
        from cuts in Gen.ListOf(Gen.Choose(0, Math.Max(0, stream.Length)), cutCount)
        select (stream, cuts.Distinct().Order().ToArray());

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public Property Valid_frames_cut_at_random_boundaries_parse_to_the_same_events() =>
        Prop.ForAll(SplitStream.ToArbitrary(), input =>
        {
            var whole = Events(input.Stream, [input.Stream.Length]);
            var cut = Events(input.Stream, input.Cuts.Append(input.Stream.Length).ToArray());
            return whole.SequenceEqual(cut) && !whole.Any(e => e is ErrorSeen);
        });

    [FsCheck.Xunit.Property(MaxTest = 1000)]
    public Property Arbitrary_bytes_never_throw_and_end_in_valid_frames_or_one_protocol_error() =>
        Prop.ForAll(
            Gen.Choose(0, 400).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), n)).ToArbitrary(),
            Gen.Elements(true, false).ToArbitrary(),
            (bytes, masked) =>
            {
                var observer = new RecordingObserver(256);
                using var parser = new WebSocketFrameParser(observer, masked, new FrameLimits(1000, 4000, ValidateUtf8: true));
                for (var i = 0; i < bytes.Length; i += 7)
                {
                    parser.Parse(bytes.AsSpan(i, Math.Min(7, bytes.Length - i)));
                }

                return observer.Errors.Count <= 1 && (observer.Errors.Count == 0 || parser.IsFaulted);
            });

    /// <summary>
    /// A bounded fuzz run: valid traffic with random bytes flipped, inserted or dropped, fed in random pieces, for
    /// a fixed time. The only acceptable outcome of garbage is the protocol-error path.
    /// </summary>
    [Fact]
    public void Mutated_traffic_fed_in_random_pieces_for_three_seconds_never_throws()
    {
        var random = new Random(20261126);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(3);
        var runs = 0;
        var faults = 0;
        while (DateTime.UtcNow < deadline)
        {
            var stream = ValidFrame.Sample(5, random.Next()).SelectMany(f => f).ToList();
            for (var m = random.Next(0, 6); m > 0 && stream.Count > 0; m--)
            {
                var at = random.Next(stream.Count);
                switch (random.Next(3))
                {
                    case 0:
                        stream[at] ^= (byte)(1 << random.Next(8));
                        break;
                    case 1:
                        stream.Insert(at, (byte)random.Next(256));
                        break;
                    default:
                        stream.RemoveAt(at);
                        break;
                }
            }

            var observer = new RecordingObserver(random.Next(0, 2000));
            using var parser = new WebSocketFrameParser(observer, expectMasked: random.Next(2) == 0, new FrameLimits(random.Next(10, 80_000), 100_000, ValidateUtf8: random.Next(2) == 0));
            var bytes = stream.ToArray();
            for (var offset = 0; offset < bytes.Length;)
            {
                var piece = Math.Min(bytes.Length - offset, random.Next(1, 4096));
                parser.Parse(bytes.AsSpan(offset, piece));
                offset += piece;
            }

            Assert.True(observer.Errors.Count <= 1);
            faults += parser.IsFaulted ? 1 : 0;
            runs++;
        }

        Assert.True(runs > 100, $"only {runs} fuzz runs");
        Assert.True(faults > 0, "no mutation ever produced a protocol error: the fuzzer is not reaching the error path");
    }

    private static List<object> Events(byte[] stream, int[] ends)
    {
        var observer = new RecordingObserver();
        using var parser = new WebSocketFrameParser(observer, expectMasked: true, new FrameLimits(1 << 20, 1 << 20, ValidateUtf8: true));
        var start = 0;
        foreach (var end in ends)
        {
            parser.Parse(stream.AsSpan(start, end - start));
            start = end;
        }

        return observer.Events;
    }

    private static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];
}
