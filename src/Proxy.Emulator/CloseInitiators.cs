namespace Proxy.Emulator;

/// <summary>The <c>close_initiator</c> values: who sent the first Close frame.</summary>
internal static class CloseInitiators
{
    public const string Client = "client";
    public const string Server = "server";

    /// <summary>No Close frame at all: the TCP connection went away (client disconnect or emulator abort).</summary>
    public const string None = "none";
}
