using System.Buffers;
using Microsoft.Extensions.Time.Testing;
using Proxy.Gateway;
using Proxy.Tunnel;
using Proxy.Metering;
using Proxy.Sessions;
using Proxy.Tests.Sessions;

namespace Proxy.Tests.Tunnel;

/// <summary>
/// The session's own tunnel between two in-memory connections: bytes both ways, and its ends, which mirror YARP's
/// handling of an upgraded request (the upstream's end cancels the client's read; a client that finished sending
/// still gets the upstream's last bytes; the client's connection closing ends everything, noted as the first end).
/// </summary>
public sealed class TunnelPumpTests : IDisposable
{
    private readonly InMemoryConnection _client = new();
    private readonly InMemoryConnection _upstream = new();
    private readonly List<string> _disposed = [];
    private readonly AgentSession _session;

    public TunnelPumpTests()
    {
        var time = new FakeTimeProvider(SessionFrames.Start);
        _session = new AgentSession(SessionFrames.Identity, time, 1024, new SessionPolicy());
        SessionFrames.MarkOpened(_session, time);
    }

    public void Dispose() => _session.Dispose();

    [Fact]
    public async Task Bytes_go_both_ways_and_the_upstreams_end_cancels_the_clients_read()
    {
        var pump = Run(CancellationToken.None);

        await _client.PeerSends.WriteAsync("to agent"u8.ToArray());
        Assert.Equal("to agent", await ReceiveAsync(_upstream));
        await _upstream.PeerSends.WriteAsync("to app"u8.ToArray());
        Assert.Equal("to app", await ReceiveAsync(_client));

        await _upstream.PeerSends.CompleteAsync();
        var result = await pump.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(["upstream", "client"], _disposed);
        Assert.Equal(new TunnelResult(StreamCopyResult.Canceled, StreamCopyResult.Success, TunnelSide.Upstream), result);
    }

    [Fact]
    public async Task A_client_that_finished_sending_still_gets_what_the_upstream_sends_until_it_ends()
    {
        var pump = Run(CancellationToken.None);

        await _client.PeerSends.CompleteAsync();
        await _upstream.PeerSends.WriteAsync("last words"u8.ToArray());
        Assert.Equal("last words", await ReceiveAsync(_client));
        Assert.False(pump.IsCompleted);

        await _upstream.PeerSends.CompleteAsync();
        var result = await pump.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(new TunnelResult(StreamCopyResult.Success, StreamCopyResult.Success, TunnelSide.Client), result);
    }

    [Fact]
    public async Task The_clients_connection_closing_ends_the_tunnel_with_the_client_noted_as_the_first_end()
    {
        using var clientClosed = new CancellationTokenSource();
        var pump = Run(clientClosed.Token);

        await clientClosed.CancelAsync();
        var result = await pump.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal((StreamCopyResult.Canceled, StreamCopyResult.Canceled), (result.ClientToUpstream, result.UpstreamToClient));

        // No Close frame either way: the side that ended first is at fault.
        Assert.Equal(CloseReasons.ClientError, _session.ToFinalRecord().CloseReason);
        Assert.Equal(["upstream", "client"], _disposed);
    }

    private Task<TunnelResult> Run(CancellationToken clientClosed) => TunnelPump.RunAsync(
        new DisposalNoted(new ConnectionPipeStream(_client), "client", _disposed),
        new DisposalNoted(new ConnectionPipeStream(_upstream), "upstream", _disposed),
        _session,
        clientClosed);

    private static async Task<string> ReceiveAsync(InMemoryConnection connection)
    {
        var result = await connection.PeerReceives.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        var text = System.Text.Encoding.ASCII.GetString(result.Buffer.ToArray());
        connection.PeerReceives.AdvanceTo(result.Buffer.End);
        return text;
    }

    /// <summary>Passes everything through and notes when it is let go of.</summary>
    private sealed class DisposalNoted(Stream inner, string name, List<string> disposed) : ConnectionStream
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override async ValueTask DisposeAsync()
        {
            lock (disposed)
            {
                disposed.Add(name);
            }

            await inner.DisposeAsync();
            await base.DisposeAsync();
        }
    }
}
