namespace Proxy.Metering;

/// <summary>The agent protocol messages the proxy reacts to; everything else is forwarded without a second look.</summary>
internal enum AgentMessageKind
{
    Other,
    Invalid,
    Welcome,
    Settings,
    KeepAlive,
}
