namespace Proxy.Tunnel;

/// <summary>What the parser enforces on one direction; <see cref="None"/> only inspects.</summary>
internal sealed record FrameLimits(long MaxFrameBytes, long MaxMessageBytes, bool ValidateUtf8)
{
    public static readonly FrameLimits None = new(long.MaxValue, long.MaxValue, false);

    /// <summary>The close code RFC 6455 §7.4.1 gives a protocol error.</summary>
    public static int CloseCodeFor(FrameProtocolError error) => error switch
    {
        FrameProtocolError.FrameTooLarge or FrameProtocolError.MessageTooLarge => 1009,
        FrameProtocolError.InvalidUtf8 => 1007,
        _ => 1002,
    };
}
