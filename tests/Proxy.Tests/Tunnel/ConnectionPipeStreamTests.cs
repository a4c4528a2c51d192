using System.Buffers;
using Proxy.Gateway;
using Proxy.Tunnel;

namespace Proxy.Tests.Tunnel;

public sealed class ConnectionPipeStreamTests
{
    private readonly InMemoryConnection _connection = new();

    [Fact]
    public async Task A_zero_byte_read_waits_for_data_and_leaves_it_for_the_next_read()
    {
        using var stream = new ConnectionPipeStream(_connection);
        var waiting = stream.ReadAsync(Memory<byte>.Empty);
        Assert.False(waiting.IsCompleted);

        await _connection.PeerSends.WriteAsync(new byte[] { 1, 2, 3 });
        Assert.Equal(0, await waiting);

        var buffer = new byte[8];
        Assert.Equal(3, await stream.ReadAsync(buffer));
        Assert.Equal(new byte[] { 1, 2, 3 }, buffer[..3]);
    }

    [Fact]
    public async Task A_read_takes_no_more_than_its_buffer_and_the_rest_stays()
    {
        using var stream = new ConnectionPipeStream(_connection);
        await _connection.PeerSends.WriteAsync(new byte[] { 1, 2, 3, 4, 5 });

        var buffer = new byte[2];
        Assert.Equal(2, await stream.ReadAsync(buffer));
        Assert.Equal(new byte[] { 1, 2 }, buffer);
        Assert.Equal(2, await stream.ReadAsync(buffer));
        Assert.Equal(new byte[] { 3, 4 }, buffer);
        Assert.Equal(1, await stream.ReadAsync(buffer));
        Assert.Equal(5, buffer[0]);
    }

    [Fact]
    public async Task The_peers_end_is_a_zero_read_after_its_last_bytes()
    {
        using var stream = new ConnectionPipeStream(_connection);
        await _connection.PeerSends.WriteAsync(new byte[] { 9 });
        await _connection.PeerSends.CompleteAsync();

        var buffer = new byte[4];
        Assert.Equal(1, await stream.ReadAsync(buffer));

        // A zero-byte read at the end reports nothing; the real read after it sees the end.
        Assert.Equal(0, await stream.ReadAsync(Memory<byte>.Empty));
        Assert.Equal(0, await stream.ReadAsync(buffer));
    }

    [Fact]
    public async Task A_cancelled_read_throws_and_leaves_the_data_for_later()
    {
        using var stream = new ConnectionPipeStream(_connection);
        using var cancel = new CancellationTokenSource();
        var reading = stream.ReadAsync(new byte[4], cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await reading);

        await _connection.PeerSends.WriteAsync(new byte[] { 7 });
        var buffer = new byte[4];
        Assert.Equal(1, await stream.ReadAsync(buffer));
        Assert.Equal(7, buffer[0]);
    }

    [Fact]
    public async Task Writes_reach_the_peer_flushed()
    {
        using var stream = new ConnectionPipeStream(_connection);
        await stream.WriteAsync(new byte[] { 4, 5 });
        await stream.WriteAsync(new byte[] { 6 });

        var received = await _connection.PeerReceives.ReadAsync();
        Assert.Equal(new byte[] { 4, 5, 6 }, received.Buffer.ToArray());
    }

    [Fact]
    public async Task Writing_to_a_connection_whose_sender_stopped_fails_as_IO()
    {
        using var stream = new ConnectionPipeStream(_connection);
        await _connection.PeerReceives.CompleteAsync();

        await Assert.ThrowsAsync<IOException>(async () => await stream.WriteAsync(new byte[] { 1 }));
    }

    [Fact]
    public async Task With_the_connections_socket_writes_go_to_the_socket_and_reads_stay_on_the_pipe()
    {
        var (proxySide, peer) = await LoopbackSocketPair.ConnectAsync();
        using var peerSocket = peer;
        using var proxySocket = proxySide;
        using var stream = new ConnectionPipeStream(_connection, proxySocket);

        await stream.WriteAsync(new byte[] { 4, 5 });
        await stream.WriteAsync(new byte[] { 6 });

        var received = new byte[3];
        for (var got = 0; got < received.Length;)
        {
            got += await peerSocket.ReceiveAsync(received.AsMemory(got));
        }

        Assert.Equal(new byte[] { 4, 5, 6 }, received);
        Assert.False(_connection.PeerReceives.TryRead(out _));

        await _connection.PeerSends.WriteAsync(new byte[] { 8 });
        var buffer = new byte[4];
        Assert.Equal(1, await stream.ReadAsync(buffer));
        Assert.Equal(8, buffer[0]);
    }

    [Fact]
    public async Task Writing_to_a_socket_the_peer_reset_fails()
    {
        var (proxySide, peer) = await LoopbackSocketPair.ConnectAsync();
        using var proxySocket = proxySide;
        peer.LingerState = new System.Net.Sockets.LingerOption(true, 0);
        peer.Dispose();
        using var stream = new ConnectionPipeStream(_connection, proxySocket);

        // The first send may still be taken before the reset is seen; one of a few fails.
        await Assert.ThrowsAsync<System.Net.Sockets.SocketException>(async () =>
        {
            for (var i = 0; i < 50; i++)
            {
                await stream.WriteAsync(new byte[1024]);
                await Task.Delay(10);
            }
        });
    }
}
