namespace Proxy.Metering;

/// <summary>The <c>close_initiator</c> values: who sent the first Close frame of the session.</summary>
internal static class CloseInitiators
{
    public const string Client = "client";
    public const string Upstream = "upstream";
    public const string Proxy = "proxy";
    public const string None = "none";
}
