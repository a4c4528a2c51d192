using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Proxy.Gateway;
using Proxy.Tunnel;

namespace Proxy.Tests.Tunnel;

/// <summary>
/// The proxy listener's connection middleware, with a delegate playing Kestrel's HTTP layer: until the handoff it
/// sees the connection as it is; afterwards nothing it does reaches the socket, and the session's tunnel runs on the
/// real pipe once it has returned.
/// </summary>
public sealed class ConnectionHandoffTests : IDisposable
{
    private readonly InMemoryConnection _wire = new();
    private readonly DefaultConnectionContext _connection;
    private readonly CountingHeartbeat _heartbeat = new();

    public ConnectionHandoffTests()
    {
        _connection = new DefaultConnectionContext("test", _wire, new DuplexPipePair(_wire.PeerReceives, _wire.PeerSends));
        _connection.Features.Set<IConnectionHeartbeatFeature>(_heartbeat);
    }

    public void Dispose() => _connection.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Fact]
    public async Task Without_a_handoff_the_http_layer_has_the_connection_as_it_is()
    {
        await _wire.PeerSends.WriteAsync("GET /"u8.ToArray());
        await ConnectionHandoff.RunAsync(_connection, async connection =>
        {
            var request = await connection.Transport.Input.ReadAsync();
            Assert.Equal("GET /", Text(request.Buffer));
            connection.Transport.Input.AdvanceTo(request.Buffer.End);
            await connection.Transport.Output.WriteAsync("HTTP/1.1 200 OK"u8.ToArray());
            await connection.Transport.Output.CompleteAsync();
            await connection.Transport.Input.CompleteAsync();
        });

        var sent = await _wire.PeerReceives.ReadAsync();
        Assert.Equal("HTTP/1.1 200 OK", Text(sent.Buffer));
        Assert.True(sent.IsCompleted);
        Assert.True((await _wire.PeerSends.WriteAsync(new byte[1])).IsCompleted);
    }

    [Fact]
    public async Task After_the_handoff_the_http_layer_ends_only_its_own_view_and_the_tunnel_gets_the_connection()
    {
        var heartbeatsSeenByHttp = 0;
        var tunnelRanAfterHttp = false;
        var httpReturned = false;
        await ConnectionHandoff.RunAsync(_connection, async connection =>
        {
            var handoff = connection.Features.Get<ConnectionHandoff>()!;
            connection.Features.Get<IConnectionHeartbeatFeature>()!.OnHeartbeat(_ => heartbeatsSeenByHttp++, this);
            _heartbeat.Tick();
            await connection.Transport.Output.WriteAsync("HTTP/1.1 101 Switching Protocols\r\n\r\n"u8.ToArray());

            handoff.RunAfterRequest(async () =>
            {
                tunnelRanAfterHttp = httpReturned;
                var frame = await handoff.Transport.Input.ReadAsync();
                handoff.Transport.Output.Write(frame.Buffer.ToArray());
                handoff.Transport.Input.AdvanceTo(frame.Buffer.End);
                await handoff.Transport.Output.FlushAsync();
            });

            // What Kestrel's HTTP/1.1 layer may do as the upgraded request ends.
            _heartbeat.Tick();
            var read = await connection.Transport.Input.ReadAsync();
            Assert.True(read.IsCompleted);
            connection.Transport.Input.AdvanceTo(read.Buffer.End);
            connection.Transport.Input.CancelPendingRead();
            connection.Transport.Output.Write("stray"u8);
            Assert.True((await connection.Transport.Output.FlushAsync()).IsCompleted);
            await connection.Transport.Output.CompleteAsync();
            await connection.Transport.Input.CompleteAsync();
            httpReturned = true;
            await _wire.PeerSends.WriteAsync("frame"u8.ToArray());
        });

        Assert.Equal(1, heartbeatsSeenByHttp);
        Assert.True(tunnelRanAfterHttp);
        Assert.Same(_wire, _connection.Transport);
        Assert.Null(_connection.Features.Get<ConnectionHandoff>());
        var sent = await _wire.PeerReceives.ReadAsync();
        Assert.Equal("HTTP/1.1 101 Switching Protocols\r\n\r\nframe", Text(sent.Buffer));
        Assert.False(sent.IsCompleted);
    }

    [Theory]
    [InlineData(true, false, true)]
    [InlineData(false, false, false)]
    [InlineData(true, true, false)]
    public async Task The_tunnel_writes_to_the_socket_itself_only_with_inline_io_and_no_tls(bool directWrites, bool tls, bool expected)
    {
        var (proxySide, peer) = await LoopbackSocketPair.ConnectAsync();
        using var proxySocket = proxySide;
        using var peerSocket = peer;
        _connection.Features.Set<IConnectionSocketFeature>(new SocketFeature(proxySocket));
        if (tls)
        {
            _connection.Features.Set<Microsoft.AspNetCore.Connections.Features.ITlsHandshakeFeature>(new TlsHandshake());
        }

        System.Net.Sockets.Socket? seen = null;
        await ConnectionHandoff.RunAsync(_connection, connection =>
        {
            seen = connection.Features.Get<ConnectionHandoff>()!.Socket;
            return Task.CompletedTask;
        }, directWrites);

        Assert.Equal(expected ? proxySocket : null, seen);
    }

    [Fact]
    public async Task A_tunnel_is_run_even_when_the_http_layer_fails_after_the_handoff()
    {
        var ran = false;
        await Assert.ThrowsAsync<InvalidOperationException>(() => ConnectionHandoff.RunAsync(_connection, connection =>
        {
            connection.Features.Get<ConnectionHandoff>()!.RunAfterRequest(() =>
            {
                ran = true;
                return Task.CompletedTask;
            });
            throw new InvalidOperationException("the HTTP layer failed");
        }));

        Assert.True(ran);
    }

    private static string Text(ReadOnlySequence<byte> bytes) => System.Text.Encoding.ASCII.GetString(bytes.ToArray());

    private sealed class DuplexPipePair(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }

    /// <summary>Kestrel's per-connection heartbeat, ticked by the test.</summary>
    private sealed class CountingHeartbeat : IConnectionHeartbeatFeature
    {
        private readonly List<(Action<object> Action, object State)> _handlers = [];

        public void OnHeartbeat(Action<object> action, object state) => _handlers.Add((action, state));

        public void Tick()
        {
            foreach (var (action, state) in _handlers)
            {
                action(state);
            }
        }
    }

    private sealed class SocketFeature(System.Net.Sockets.Socket socket) : IConnectionSocketFeature
    {
        public System.Net.Sockets.Socket Socket => socket;
    }

    private sealed class TlsHandshake : Microsoft.AspNetCore.Connections.Features.ITlsHandshakeFeature
    {
        public System.Security.Authentication.SslProtocols Protocol => System.Security.Authentication.SslProtocols.Tls13;

        public string HostName => "127.0.0.1";

#pragma warning disable SYSLIB0058 // The interface still has the obsolete members; nothing reads them here.
        public System.Security.Authentication.CipherAlgorithmType CipherAlgorithm => default;

        public int CipherStrength => 0;

        public System.Security.Authentication.HashAlgorithmType HashAlgorithm => default;

        public int HashStrength => 0;

        public System.Security.Authentication.ExchangeAlgorithmType KeyExchangeAlgorithm => default;

        public int KeyExchangeStrength => 0;
#pragma warning restore SYSLIB0058
    }
}
