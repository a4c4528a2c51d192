using Proxy.Tunnel;

namespace Proxy.Sessions;

/// <summary>Who sent the first Close frame of a session (the record's <c>close_initiator</c>).</summary>
internal enum CloseOrigin
{
    None = 0,
    Client = TunnelSide.Client,
    Upstream = TunnelSide.Upstream,
    Proxy = 3,
}
