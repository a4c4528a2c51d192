using System.Net.Sockets;
using Proxy.Tunnel;

namespace Proxy.Tests.Tunnel;

/// <summary>The upstream connection's open and end instants on real loopback sockets, read late on purpose.</summary>
public sealed class UpstreamConnectionStreamTests
{
    private static readonly byte[] Answer = "HTTP/1.1 101 Switching Protocols\r\n\r\n"u8.ToArray();

    // An upstream Close frame (unmasked, code 1000).
    private static readonly byte[] CloseReply = [0x88, 0x02, 0x03, 0xE8];

    [Fact]
    public async Task After_a_Close_went_upstream_the_end_is_when_the_upstreams_answer_arrived_not_when_it_was_read()
    {
        var (socket, peer) = await LoopbackSocketPair.ConnectAsync();
        using var _ = peer;
        var observer = new EndObserver();
        await using var connection = await OpenAsync(socket, peer, observer);

        connection.ExpectEnd();
        await peer.SendAsync(CloseReply);
        peer.Shutdown(SocketShutdown.Send);
        var answered = System.Diagnostics.Stopwatch.StartNew();
        await WaitAsync(150);
        await ReadToEndAsync(connection);

        var (side, sinceEnd) = Assert.Single(observer.Ends);
        Assert.Equal(TunnelSide.Upstream, side);
        Assert.InRange(sinceEnd, TimeSpan.FromMilliseconds(140), answered.Elapsed);
    }

    [Fact]
    public async Task An_end_the_upstream_started_on_its_own_is_stamped_when_it_is_read()
    {
        var (socket, peer) = await LoopbackSocketPair.ConnectAsync();
        using var _ = peer;
        var observer = new EndObserver();
        await using var connection = await OpenAsync(socket, peer, observer);

        // The upstream's own Close and FIN, nothing asked for: read late, and that is its end.
        await peer.SendAsync(CloseReply);
        peer.Shutdown(SocketShutdown.Send);
        await WaitAsync(150);
        await ReadToEndAsync(connection);

        Assert.Equal((TunnelSide.Upstream, TimeSpan.Zero), Assert.Single(observer.Ends));
    }

    private static async Task<UpstreamConnectionStream> OpenAsync(Socket socket, Socket peer, EndObserver observer)
    {
        // The kernel turns stamping on through deferred work the first time a process asks (as the proxy does at
        // start): give it a moment.
        Assert.True(KernelStampedSocketStream.KeepStampingOn());
        await WaitAsync(50);
        var raw = KernelStampedSocketStream.Create(socket);
        raw.Arm();
        var connection = new UpstreamConnectionStream(raw, socket, raw, TimeProvider.System);
        await peer.SendAsync(Answer);
        var buffer = new byte[Answer.Length];
        var filled = 0;
        while (filled < buffer.Length)
        {
            filled += await connection.ReadAsync(buffer.AsMemory(filled));
        }

        Assert.True(connection.FirstResponseStampedByKernel);
        connection.Attach(observer);
        return connection;
    }

    private static async Task ReadToEndAsync(Stream connection)
    {
        var buffer = new byte[64];
        for (var reads = 0; reads < 10; reads++)
        {
            if (await connection.ReadAsync(buffer) == 0)
            {
                return;
            }
        }

        Assert.Fail("the upstream's end was never read");
    }

    private static async Task WaitAsync(int milliseconds)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (waited.ElapsedMilliseconds < milliseconds)
        {
            await Task.Delay(10);
        }
    }

    /// <summary>Records the ends the connection reports (the first per side counts, as the session's ending does).</summary>
    private sealed class EndObserver : ITunnelObserver
    {
        public List<(TunnelSide Side, TimeSpan SinceEnd)> Ends { get; } = [];

        public int TextCaptureLimit(TunnelSide from) => 0;

        public int ExtendedTextCaptureLimit(TunnelSide from, ReadOnlySpan<byte> prefix) => 0;

        public void OnFrame(TunnelSide from, WebSocketOpcode frameOpcode, WebSocketOpcode messageOpcode)
        {
        }

        public void OnTextMessage(TunnelSide from, ReadOnlySpan<byte> payload, long messageLength)
        {
        }

        public void OnCloseFrame(TunnelSide from, int? code)
        {
        }

        public void OnProtocolError(TunnelSide from, FrameProtocolError error)
        {
        }

        public void OnInspectionFailed(TunnelSide from, Exception exception)
        {
        }

        public void OnUpstreamOpened(long timestamp, long atMs)
        {
        }

        public void OnUpstreamRefused(int statusCode)
        {
        }

        public void OnEnded(TunnelSide side) => OnEnded(side, TimeSpan.Zero);

        public void OnEnded(TunnelSide side, TimeSpan sinceEnd)
        {
            lock (Ends)
            {
                if (!Ends.Exists(end => end.Side == side))
                {
                    Ends.Add((side, sinceEnd));
                }
            }
        }

        public Task OnUpstreamLostAsync() => Task.CompletedTask;
    }
}
