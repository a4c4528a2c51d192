namespace Proxy.Tunnel;

/// <summary>Why a session's tunnel ended: how each direction's copy loop ended and which one ended first. Only
/// for diagnostics: what a session's record says is decided from frame events and connection ends, never from how a
/// copy loop ended (a clean WebSocket close often ends one as a cancellation).</summary>
/// <param name="ClientToUpstream">The loop reading the client and writing the upstream.</param>
/// <param name="UpstreamToClient">The loop reading the upstream and writing the client.</param>
/// <param name="FirstEnded">The side whose loop (the one reading from it) ended first.</param>
internal readonly record struct TunnelResult(StreamCopyResult ClientToUpstream, StreamCopyResult UpstreamToClient, TunnelSide FirstEnded);
