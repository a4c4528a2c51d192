namespace Proxy.Metering;

internal static class SessionStatus
{
    public const string Open = "open";
    public const string Closed = "closed";
}
