using Proxy.Gateway;
using Proxy.Tunnel;
using Proxy.Metering;
using Proxy.Sessions;
using Proxy.Tests.Sessions;
using static Proxy.Tests.Tunnel.FrameBuilder;

namespace Proxy.Tests.Tunnel;

/// <summary>
/// The per-frame path (parser, direction meter, session activity, text sniffing, the metered streams) allocates
/// nothing once warm: a session carries 50 audio frames a second each way for as long as it lasts, and an instance
/// carries thousands of sessions. Counted on the test's own thread, so every path here completes on it.
/// </summary>
public sealed class HotPathAllocationTests : IDisposable
{
    private const int Frames = 10_000;
    private const int ReadBytes16KB = 16 * 1024;

    private readonly AgentSession _session;

    public HotPathAllocationTests()
    {
        // The production clock and limits: client text is checked as UTF-8, frames against the size limits.
        var time = TimeProvider.System;
        _session = new AgentSession(SessionFrames.Identity, time, new MeteringOptions().MaxInspectedSettingsBytes, new SessionPolicy(), new LimitsOptions().ClientFrameLimits());
        SessionFrames.MarkOpened(_session, time);

        // A conversation's steady state: Settings and Welcome have gone by.
        SessionFrames.FromClient(_session, SessionFrames.ClientText(SessionFrames.Settings));
        SessionFrames.FromUpstream(_session, SessionFrames.UpstreamText(SessionFrames.Welcome));
    }

    public static TheoryData<string, int> TrafficAndReads()
    {
        var data = new TheoryData<string, int>();
        foreach (var traffic in new[] { "client audio", "upstream audio", "client KeepAlive", "client ping", "upstream text", "client empty text", "client plain text" })
        {
            data.Add(traffic, 0);
            data.Add(traffic, ReadBytes16KB);
        }

        return data;
    }

    public void Dispose() => _session.Dispose();

    [Theory]
    [MemberData(nameof(TrafficAndReads))]
    public void Parsing_and_metering_frames_allocates_nothing(string traffic, int readBytes)
    {
        var (frame, from) = FrameOf(traffic);
        var wire = Repeat(frame, Frames);
        var parser = _session.Tunnel.ParserFor(from);
        var meter = _session.Tunnel.MeterFor(from);
        var chunk = readBytes == 0 ? frame.Length : readBytes;

        var allocated = AllocatedWhileRepeating(() =>
        {
            // What the tunnel does with each read: count it, then parse it.
            for (var offset = 0; offset < wire.Length; offset += chunk)
            {
                var read = wire.AsSpan(offset, Math.Min(chunk, wire.Length - offset));
                meter.AddBytes(read.Length);
                parser.Parse(read);
            }
        });

        // Every frame went through twice, after the Settings or the Welcome.
        Assert.Equal((2 * Frames) + 1, meter.Frames);
        Assert.Equal(FrameProtocolError.None, _session.ProtocolError);
        Assert.Equal(0, allocated);
    }

    [Theory]
    [InlineData("client audio", 0)]
    [InlineData("client audio", ReadBytes16KB)]
    [InlineData("upstream audio", 0)]
    [InlineData("upstream audio", ReadBytes16KB)]
    [InlineData("client KeepAlive", 0)]
    [InlineData("upstream text", 0)]
    public void The_copy_loop_through_the_metered_streams_allocates_nothing(string traffic, int readBytes)
    {
        var (frame, from) = FrameOf(traffic);
        var peer = new RecordingStream();
        using var source = _session.Tunnel.Attach(from, peer);
        using var target = _session.Tunnel.Attach(Other(from), Stream.Null);

        // The socket hands over one frame per read, or 16 KB at a time cutting through frames.
        var wire = readBytes == 0 ? frame : Repeat(frame, Frames);
        var feeds = readBytes == 0 ? 2 * Frames : 2;
        for (var i = 0; i < feeds; i++)
        {
            peer.EnqueueRead(wire);
        }

        var buffer = new byte[readBytes == 0 ? 64 * 1024 : readBytes];
        var allocated = AllocatedWhileRepeating(() =>
        {
            var left = frame.Length * Frames;
            while (left > 0)
            {
                // YARP's StreamCopier: a zero-byte read to wait for data, a read, a write of what was read.
                Completed(source.ReadAsync(Memory<byte>.Empty));
                var read = Completed(source.ReadAsync(buffer));
                Completed(target.WriteAsync(buffer.AsMemory(0, read)));
                left -= read;
            }
        });

        Assert.Equal(2L * frame.Length * Frames, _session.Tunnel.MeterFor(from).Bytes - PreambleBytes(from));
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Reads_that_wait_for_the_socket_allocate_nothing_once_warm()
    {
        var frame = Binary(640, masked: true);
        var peer = new PendingReadStream();
        using var source = _session.Tunnel.Attach(TunnelSide.Client, peer);
        using var target = _session.Tunnel.Attach(TunnelSide.Upstream, Stream.Null);
        var buffer = new byte[64 * 1024];

        // The awaits inside the streams really suspend here: their state machines come from pools, not the heap.
        var allocated = AllocatedWhileRepeating(() =>
        {
            for (var i = 0; i < Frames; i++)
            {
                var ready = Pending(source.ReadAsync(Memory<byte>.Empty));
                peer.Deliver(frame);
                Completed(ready);

                var reading = Pending(source.ReadAsync(buffer));
                peer.Deliver(frame);
                var read = Completed(reading);

                Completed(target.WriteAsync(buffer.AsMemory(0, read)));
            }
        });

        Assert.Equal(2 * Frames, _session.Inbound.BinaryFrames);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void The_client_connection_pipe_allocates_nothing_per_frame_once_warm()
    {
        // The tunnel's client side as it runs on Kestrel: the connection pipe, reads that wait for the peer.
        var frame = Binary(640, masked: true);
        var connection = new InMemoryConnection();
        using var source = _session.Tunnel.Attach(TunnelSide.Client, new ConnectionPipeStream(connection));
        using var target = _session.Tunnel.Attach(TunnelSide.Upstream, new ConnectionPipeStream(connection));
        var buffer = new byte[64 * 1024];

        var allocated = AllocatedWhileRepeating(() =>
        {
            for (var i = 0; i < Frames; i++)
            {
                var ready = Pending(source.ReadAsync(Memory<byte>.Empty));
                Completed(connection.PeerSends.WriteAsync(frame));
                Completed(ready);
                var read = Completed(source.ReadAsync(buffer));

                Completed(target.WriteAsync(buffer.AsMemory(0, read)));
                if (!connection.PeerReceives.TryRead(out var written))
                {
                    throw new InvalidOperationException("The write did not reach the peer.");
                }

                connection.PeerReceives.AdvanceTo(written.Buffer.End);
            }
        });

        Assert.Equal(2 * Frames, _session.Inbound.BinaryFrames);
        Assert.Equal(0, allocated);
    }

    /// <summary>
    /// Runs <paramref name="pass"/> once to warm up (JIT, pools, lazily built statics), then again counting the bytes
    /// this thread allocates. A garbage collection running meanwhile (a background one, started by the large arrays
    /// these tests build, or one caused by tests running in parallel) can move the thread's counter by part of an
    /// allocation quantum without anything being allocated: the pass starts after a full blocking collection, and is
    /// counted again when a collection overlapped it. A real per-frame allocation shows in every attempt.
    /// </summary>
    private static long AllocatedWhileRepeating(Action pass)
    {
        pass();
        var allocated = 0L;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var collections = GC.CollectionCount(0);
            var before = GC.GetAllocatedBytesForCurrentThread();
            pass();
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (allocated == 0 || GC.CollectionCount(0) == collections)
            {
                return allocated;
            }
        }

        return allocated;
    }

    // The checks inside a counted pass throw only on failure: xunit's asserts may allocate when they succeed.
    private static int Completed(ValueTask<int> read) =>
        read.IsCompletedSuccessfully ? read.Result : throw new InvalidOperationException("The read did not complete.");

    private static void Completed(ValueTask write)
    {
        if (!write.IsCompletedSuccessfully)
        {
            throw new InvalidOperationException("The write did not complete.");
        }

        write.GetAwaiter().GetResult();
    }

    private static void Completed(ValueTask<System.IO.Pipelines.FlushResult> flush)
    {
        if (!flush.IsCompletedSuccessfully)
        {
            throw new InvalidOperationException("The flush did not complete.");
        }
    }

    private static ValueTask<int> Pending(ValueTask<int> read) =>
        !read.IsCompleted ? read : throw new InvalidOperationException("The read did not wait for the socket.");

    private static (byte[] Frame, TunnelSide From) FrameOf(string traffic) => traffic switch
    {
        "client audio" => (Binary(640, masked: true), TunnelSide.Client),
        "upstream audio" => (Binary(640, masked: false), TunnelSide.Upstream),
        "client KeepAlive" => (SessionFrames.ClientText(SessionFrames.KeepAlive), TunnelSide.Client),
        "client ping" => (Ping(string.Empty, masked: true), TunnelSide.Client),
        "upstream text" => (SessionFrames.UpstreamText("""{"type":"ConversationText","role":"assistant","content":"Hello!"}"""), TunnelSide.Upstream),
        "client empty text" => (SessionFrames.ClientText(string.Empty), TunnelSide.Client),
        "client plain text" => (SessionFrames.ClientText("hello"), TunnelSide.Client),
        _ => throw new ArgumentOutOfRangeException(nameof(traffic), traffic, null),
    };

    private static byte[] Repeat(byte[] frame, int count)
    {
        var wire = new byte[frame.Length * count];
        for (var i = 0; i < count; i++)
        {
            frame.CopyTo(wire, i * frame.Length);
        }

        return wire;
    }

    private static TunnelSide Other(TunnelSide side) => side == TunnelSide.Client ? TunnelSide.Upstream : TunnelSide.Client;

    private static long PreambleBytes(TunnelSide from) => from == TunnelSide.Client
        ? SessionFrames.ClientText(SessionFrames.Settings).Length
        : SessionFrames.UpstreamText(SessionFrames.Welcome).Length;
}
