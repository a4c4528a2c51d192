namespace Proxy.Sessions;

/// <summary>The kinds of traffic the idle modes choose from.</summary>
internal enum ActivityKind
{
    ClientAudio,
    ClientMessage,
    ClientKeepAlive,
    ClientPing,
    UpstreamData,
    UpstreamPing,
}
