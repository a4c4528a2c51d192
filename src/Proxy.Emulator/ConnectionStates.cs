namespace Proxy.Emulator;

internal static class ConnectionStates
{
    public const string Open = "open";
    public const string Closed = "closed";
}
