namespace Proxy.Sessions;

/// <summary>Frames by kind and bytes, per direction: <c>In</c> is client to agent, <c>Out</c> agent to client.</summary>
internal readonly record struct TrafficCounts(
    long InBinaryFrames,
    long InTextFrames,
    long InControlFrames,
    long InBytes,
    long OutBinaryFrames,
    long OutTextFrames,
    long OutControlFrames,
    long OutBytes)
{
    public static TrafficCounts Of(AgentSession session)
    {
        var inbound = session.Inbound;
        var outbound = session.Outbound;
        return new TrafficCounts(
            inbound.BinaryFrames, inbound.TextFrames, inbound.ControlFrames, inbound.Bytes,
            outbound.BinaryFrames, outbound.TextFrames, outbound.ControlFrames, outbound.Bytes);
    }

    public static TrafficCounts operator +(TrafficCounts a, TrafficCounts b) => new(
        a.InBinaryFrames + b.InBinaryFrames,
        a.InTextFrames + b.InTextFrames,
        a.InControlFrames + b.InControlFrames,
        a.InBytes + b.InBytes,
        a.OutBinaryFrames + b.OutBinaryFrames,
        a.OutTextFrames + b.OutTextFrames,
        a.OutControlFrames + b.OutControlFrames,
        a.OutBytes + b.OutBytes);
}
