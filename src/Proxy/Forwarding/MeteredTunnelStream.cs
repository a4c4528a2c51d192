using Proxy.Sessions;

namespace Proxy.Forwarding;

/// <summary>
/// One side's connection inside the forwarder's tunnel. Reads carry the bytes coming from that side: they are
/// counted and parsed in place. The end of the connection marks that side as ended, which is what the record's close
/// instants are made of.
/// </summary>
internal sealed class MeteredTunnelStream : ObservedStream
{
    private readonly AgentSession _session;
    private readonly TunnelSide _side;
    private readonly WebSocketFrameParser _parser;
    private readonly DirectionMeter _meter;

    public MeteredTunnelStream(Stream inner, AgentSession session, TunnelSide side)
        : base(inner)
    {
        _session = session;
        _side = side;
        _parser = session.ParserFor(side);
        _meter = session.MeterFor(side);
    }

    protected override void OnRead(ReadOnlySpan<byte> data)
    {
        _meter.AddBytes(data.Length);
        try
        {
            _parser.Parse(data);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Inspection is never worth a customer's session: stop looking at this direction, keep forwarding.
            _session.OnInspectionFailed(_side, ex);
            _parser.Abandon();
        }
    }

    protected override void OnEnded() => _session.MarkEnded(_side);
}
