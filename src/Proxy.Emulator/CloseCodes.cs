namespace Proxy.Emulator;

internal static class CloseCodes
{
    /// <summary>
    /// Whether a close status may appear in a Close frame we send: RFC 6455 reserves 1004-1006 and 1015, and
    /// .NET's WebSocket refuses to send them.
    /// </summary>
    public static bool CanSend(int code) =>
        code is >= 1000 and <= 4999 && code is not (1004 or 1005 or 1006 or 1015);
}
