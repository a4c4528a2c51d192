using System.Net.Sockets;
using Proxy.Tunnel;

namespace Proxy.Tests.Tunnel;

/// <summary>The kernel's receive time of the upgrade's answer, on real loopback sockets.</summary>
public sealed class KernelStampedSocketStreamTests
{
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
