namespace Proxy.Tunnel;

/// <summary>
/// The transport half of one session: both directions' parsers and meters, the two metered connections once each is
/// upgraded, the upstream's socket-level connection and the way to cut the client's. Everything it sees goes to its
/// <see cref="Observer"/>; what the events mean is the observer's business.
/// </summary>
internal sealed class SessionTunnel : IDisposable
{
    private MeteredTunnelStream? _clientStream;
    private MeteredTunnelStream? _upstreamStream;
    private Stream? _upstreamConnection;
    private Action? _abort;

    public SessionTunnel(ITunnelObserver observer, FrameLimits? clientLimits = null)
    {
        Observer = observer;
        Inbound = new DirectionMeter(observer, TunnelSide.Client);
        Outbound = new DirectionMeter(observer, TunnelSide.Upstream);
        ClientParser = new WebSocketFrameParser(Inbound, expectMasked: true, clientLimits);
        UpstreamParser = new WebSocketFrameParser(Outbound, expectMasked: false);
    }

    public ITunnelObserver Observer { get; }

    /// <summary>Client → upstream ("in": into the agent).</summary>
    public DirectionMeter Inbound { get; }

    /// <summary>Upstream → client ("out": the agent's answers).</summary>
    public DirectionMeter Outbound { get; }

    public WebSocketFrameParser ClientParser { get; }

    public WebSocketFrameParser UpstreamParser { get; }

    /// <summary>The client side, once the client's connection is upgraded.</summary>
    public MeteredTunnelStream? ClientStream => Volatile.Read(ref _clientStream);

    /// <summary>The upstream side, once the upstream accepted the upgrade.</summary>
    public MeteredTunnelStream? UpstreamStream => Volatile.Read(ref _upstreamStream);

    public bool HasUpstreamConnection => Volatile.Read(ref _upstreamConnection) is not null;

    public WebSocketFrameParser ParserFor(TunnelSide from) => from == TunnelSide.Client ? ClientParser : UpstreamParser;

    public DirectionMeter MeterFor(TunnelSide from) => from == TunnelSide.Client ? Inbound : Outbound;

    /// <summary>How to cut the client's connection at once (the connection handoff's abort).</summary>
    public void AttachAbort(Action abort) => _abort = abort;

    /// <summary>Cuts the client's connection (when attached), which ends the tunnel.</summary>
    public void Abort() => _abort?.Invoke();

    /// <summary>Puts a side's upgraded connection into the tunnel, metered and parsed: the pump takes it from here.</summary>
    public MeteredTunnelStream Attach(TunnelSide side, Stream connection)
    {
        var stream = new MeteredTunnelStream(connection, this, side);
        if (side == TunnelSide.Client)
        {
            Volatile.Write(ref _clientStream, stream);
        }
        else
        {
            Volatile.Write(ref _upstreamStream, stream);
        }

        return stream;
    }

    /// <summary>The upstream's socket-level stream (below HTTP). Once known, only its end stamps the upstream's end:
    /// the streams above it can be let go of before the socket is really closed.</summary>
    public void AttachUpstreamConnection(Stream connection) => Volatile.Write(ref _upstreamConnection, connection);

    /// <summary>Closes the upstream connection now if the pump has not (a client gone before the pump started
    /// leaves it to be collected later): billing stops when Deepgram sees the connection end.</summary>
    /// <summary>A Close is on its way upstream: the upstream connection's answer is its end (see
    /// <see cref="UpstreamConnectionStream.ExpectEnd"/>).</summary>
    public void ExpectUpstreamEnd() => (Volatile.Read(ref _upstreamConnection) as UpstreamConnectionStream)?.ExpectEnd();

    public void CloseUpstreamConnection() => Volatile.Read(ref _upstreamConnection)?.Dispose();

    public void Dispose()
    {
        ClientParser.Dispose();
        UpstreamParser.Dispose();
    }
}
