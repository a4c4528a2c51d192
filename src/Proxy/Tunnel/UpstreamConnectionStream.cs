using System.Net.Sockets;

namespace Proxy.Tunnel;

/// <summary>
/// The upstream connection's plaintext stream (after TLS), below HTTP. It timestamps the first response bytes, the
/// closest the proxy can get to the instant the upstream accepted the session, and the socket-level end of the
/// connection, the instant billing stops. The session's observer is attached once the response turned out to be a 101.
/// Made by <see cref="UpstreamUpgradeHandler"/>, which hands it to the observer with the request.
/// </summary>
internal sealed class UpstreamConnectionStream : ObservedStream
{
    private readonly TimeProvider _time;
    private readonly Socket _socket;
    private ITunnelObserver? _observer;
    private bool _sawResponse;

    public UpstreamConnectionStream(Stream inner, Socket socket, TimeProvider time)
        : base(inner)
    {
        _time = time;
        _socket = socket;
    }

    /// <summary>When the first response bytes reached the socket (monotonic timestamp and Unix ms): the upstream's
    /// clock started when it sent them, not when the response head had been parsed.</summary>
    public long FirstResponseTimestamp { get; private set; }

    public long FirstResponseAtMs { get; private set; }

    public void Attach(ITunnelObserver observer) => Volatile.Write(ref _observer, observer);

    protected override void OnRead(ReadOnlySpan<byte> data)
    {
        if (_sawResponse)
        {
            return;
        }

        _sawResponse = true;
        FirstResponseTimestamp = _time.GetTimestamp();
        FirstResponseAtMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
    }

    protected override void OnEnded() => Volatile.Read(ref _observer)?.OnEnded(TunnelSide.Upstream);

    // Closing a socket that still has an operation in flight is deferred until that operation has unwound: the FIN
    // goes out right after the end is stamped, so Deepgram's clock stops when the record's does.
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            ShutDown();
        }

        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync()
    {
        ShutDown();
        return base.DisposeAsync();
    }

    private void ShutDown()
    {
        OnEnded();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already closed or reset: nothing left to end.
        }
    }
}
