using System.Net.Sockets;
using Proxy.Tunnel;

namespace Proxy.Tests.Tunnel;

/// <summary>The kernel's receive time of the upgrade's answer, on real loopback sockets.</summary>
public sealed class KernelStampedSocketStreamTests
{
    private const int TwoSegmentsLength = 36 + 4;

    [Fact]
    public async Task An_armed_read_carries_the_kernel_time_the_bytes_arrived_not_when_they_were_read()
    {
        Assert.True(KernelStampedSocketStream.KeepStampingOn());
        await Task.Delay(50);
        var (client, server) = await LoopbackSocketPair.ConnectAsync();
        using var _ = server;
        await using var stream = KernelStampedSocketStream.Create(client);
        Assert.True(stream.Stamps, "the kernel refused SO_TIMESTAMPNS on a loopback TCP socket");
        stream.Arm();

        // On loopback the segment reaches the receiving socket inside the sender's send call.
        var beforeSend = UnixNowNs();
        await server.SendAsync("HTTP/1.1 101 Switching Protocols\r\n\r\n"u8.ToArray());
        var afterSend = UnixNowNs();

        // Read late, as a proxy busy with ten handshakes would: the stamp is still the arrival.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (waited.ElapsedMilliseconds < 150)
        {
            await Task.Delay(20);
        }

        var buffer = new byte[64];
        var read = await stream.ReadAsync(buffer);
        var readAt = UnixNowNs();

        Assert.Equal("HTTP/1.1 101 Switching Protocols\r\n\r\n", System.Text.Encoding.ASCII.GetString(buffer, 0, read));
        var arrival = stream.LastArrivalUnixNs;
        const long Millisecond = 1_000_000;
        Assert.InRange(arrival, beforeSend - Millisecond, afterSend + Millisecond);
        Assert.True(readAt - arrival >= 140 * Millisecond, $"stamped {(readAt - arrival) / (double)Millisecond:F3} ms before the read returned");
    }

    [Fact]
    public async Task A_read_armed_for_the_end_carries_the_newest_segments_arrival()
    {
        var (client, server, stream) = await StampingPairAsync();
        using var _ = server;
        await using var __ = stream;
        stream.ArmForEnd();

        var secondSentFrom = await SendTwoSegmentsAsync(client, server);
        var read = await stream.ReadAsync(new byte[64]);

        // The upstream's last words (its Close) end the session, whatever came just before them.
        Assert.Equal(TwoSegmentsLength, read);
        Assert.True(stream.LastArrivalUnixNs >= secondSentFrom - 1_000_000, "stamped with the first segment's arrival, not the newest's");
    }

    [Fact]
    public async Task Unarmed_and_disarmed_reads_are_the_sockets_own_and_stamp_nothing()
    {
        Assert.True(KernelStampedSocketStream.KeepStampingOn());
        await Task.Delay(50);
        var (client, server) = await LoopbackSocketPair.ConnectAsync();
        using var _ = server;
        await using var stream = KernelStampedSocketStream.Create(client);
        var buffer = new byte[16];

        await server.SendAsync("before"u8.ToArray());
        Assert.Equal(6, await ReadExactlyAsync(stream, buffer, 6));
        Assert.Equal(0, stream.LastArrivalUnixNs);

        stream.Arm();
        await server.SendAsync("armed"u8.ToArray());
        Assert.Equal(5, await ReadExactlyAsync(stream, buffer, 5));
        var stamped = stream.LastArrivalUnixNs;
        Assert.True(stamped > 0);

        stream.Disarm();
        await server.SendAsync("after"u8.ToArray());
        Assert.Equal(5, await ReadExactlyAsync(stream, buffer, 5));
        Assert.Equal("after", System.Text.Encoding.ASCII.GetString(buffer, 0, 5));
        Assert.Equal(stamped, stream.LastArrivalUnixNs);
    }

    [Fact]
    public async Task An_armed_read_sees_the_end_of_the_stream()
    {
        var (client, server) = await LoopbackSocketPair.ConnectAsync();
        await using var stream = KernelStampedSocketStream.Create(client);
        stream.Arm();
        server.Shutdown(SocketShutdown.Both);
        server.Dispose();

        Assert.Equal(0, await stream.ReadAsync(new byte[16]));
    }

    private static async Task<(Socket Client, Socket Server, KernelStampedSocketStream Stream)> StampingPairAsync()
    {
        Assert.True(KernelStampedSocketStream.KeepStampingOn());
        await Task.Delay(50);
        var (client, server) = await LoopbackSocketPair.ConnectAsync();
        var stream = KernelStampedSocketStream.Create(client);
        Assert.True(stream.Stamps, "the kernel refused SO_TIMESTAMPNS on a loopback TCP socket");
        return (client, server, stream);
    }

    /// <summary>Sends 36 bytes and, 30 ms later, a 4-byte frame, then waits until both are queued at the client
    /// (bounded); returns when the second send started (Unix ns).</summary>
    private static async Task<long> SendTwoSegmentsAsync(Socket client, Socket server)
    {
        await server.SendAsync("HTTP/1.1 101 Switching Protocols\r\n\r\n"u8.ToArray());
        var gap = System.Diagnostics.Stopwatch.StartNew();
        while (gap.ElapsedMilliseconds < 30)
        {
            await Task.Delay(10);
        }

        var secondFrom = UnixNowNs();
        await server.SendAsync(new byte[] { 0x81, 0x02, 0x7B, 0x7D });
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (client.Available < TwoSegmentsLength)
        {
            Assert.True(DateTime.UtcNow < deadline, "the two segments did not reach the client socket within 10 s");
            await Task.Delay(5);
        }

        return secondFrom;
    }

    private static async Task<int> ReadExactlyAsync(Stream stream, byte[] buffer, int count)
    {
        var filled = 0;
        while (filled < count)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(filled, count - filled));
            Assert.NotEqual(0, read);
            filled += read;
        }

        return filled;
    }

    private static long UnixNowNs() => (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100;
}
