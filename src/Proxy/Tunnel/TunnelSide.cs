namespace Proxy.Tunnel;

/// <summary>One end of a session's tunnel; frames "from" a side travel away from it.</summary>
internal enum TunnelSide
{
    None = 0,
    Client = 1,
    Upstream = 2,
}
