using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Proxy.Tunnel;

/// <summary>
/// A proxy-listener connection as Kestrel's HTTP/1.1 layer sees it, until an agent session takes the connection
/// over. Once Kestrel has sent the 101 the session's request ends at once: Kestrel's per-request objects (the
/// HTTP/1.1 connection, header collections, features; about 7 KB) and YARP's forwarder state are let go of, and the
/// session's tunnel runs on the connection's real pipe from this connection middleware, after the HTTP layer has
/// returned. From the handoff on, whatever the HTTP layer does to its view of the connection (complete it, cancel a
/// read, write) no longer reaches the socket, and its heartbeat callbacks (which hold its objects) are dropped.
/// </summary>
internal sealed class ConnectionHandoff : IDuplexPipe, IConnectionHeartbeatFeature
{
    private readonly ConnectionContext _connection;
    private readonly Lock _heartbeatGate = new();
    private List<(Action<object> Action, object State)>? _heartbeats = [];
    private Func<Task>? _tunnel;
    private int _handedOff;

    private ConnectionHandoff(ConnectionContext connection, bool directWrites)
    {
        _connection = connection;

        // Straight socket writes need Kestrel's sender to have put the 101 on the socket before the tunnel's first
        // write: with inline I/O it sends inside the flush that wrote it. Never under TLS (the pipe carries plaintext).
        Socket = directWrites && connection.Features.Get<ITlsHandshakeFeature>() is null
            ? connection.Features.Get<IConnectionSocketFeature>()?.Socket
            : null;
        Transport = connection.Transport;
        Input = new HandoffPipeReader(Transport.Input, this);
        Output = new HandoffPipeWriter(Transport.Output, this);
    }

    /// <summary>The HTTP layer's view of the connection's input.</summary>
    public PipeReader Input { get; }

    /// <summary>The HTTP layer's view of the connection's output.</summary>
    public PipeWriter Output { get; }

    /// <summary>The connection's real pipe, for the tunnel.</summary>
    public IDuplexPipe Transport { get; }

    /// <summary>The connection's socket when the tunnel may write to it directly (see
    /// <see cref="ConnectionPipeStream"/>), else null.</summary>
    public System.Net.Sockets.Socket? Socket { get; }

    /// <summary>Fires when the client's connection ends (end of stream, reset, abort).</summary>
    public CancellationToken ConnectionClosed => _connection.ConnectionClosed;

    public bool HandedOff => Volatile.Read(ref _handedOff) != 0;

    /// <summary>Cuts the client's connection, whichever layer has it.</summary>
    public void Abort() => _connection.Abort(new ConnectionAbortedException("The proxy cut the session."));

    /// <summary>Called once the 101 is out: from now on the HTTP layer no longer touches the socket.</summary>
    public void HandOff()
    {
        Volatile.Write(ref _handedOff, 1);
        lock (_heartbeatGate)
        {
            _heartbeats = null;
        }
    }

    /// <summary>Runs <paramref name="tunnel"/> on the connection once the HTTP layer is done with it.</summary>
    public void RunAfterRequest(Func<Task> tunnel)
    {
        HandOff();
        _tunnel = tunnel;
    }

    public void OnHeartbeat(Action<object> action, object state)
    {
        lock (_heartbeatGate)
        {
            _heartbeats?.Add((action, state));
        }
    }

    /// <summary>The connection middleware of the proxy listener.</summary>
    /// <param name="directWrites">Whether the tunnel may write to the socket itself (Kestrel's I/O runs inline).</param>
    public static async Task RunAsync(ConnectionContext connection, ConnectionDelegate next, bool directWrites = false)
    {
        var handoff = new ConnectionHandoff(connection, directWrites);
        connection.Features.Get<IConnectionHeartbeatFeature>()?.OnHeartbeat(static state => ((ConnectionHandoff)state).Tick(), handoff);
        connection.Features.Set<IConnectionHeartbeatFeature>(handoff);
        connection.Features.Set(handoff);
        connection.Transport = handoff;
        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            connection.Transport = handoff.Transport;
            connection.Features.Set<ConnectionHandoff>(null);
            if (Interlocked.Exchange(ref handoff._tunnel, null) is { } tunnel)
            {
                await tunnel().ConfigureAwait(false);
            }
        }
    }

    private void Tick()
    {
        lock (_heartbeatGate)
        {
            if (_heartbeats is null)
            {
                return;
            }

            foreach (var (action, state) in _heartbeats)
            {
                action(state);
            }
        }
    }
}
