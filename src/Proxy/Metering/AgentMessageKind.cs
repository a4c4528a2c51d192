namespace Proxy.Metering;

/// <summary>The agent protocol messages the proxy reacts to; everything else is forwarded without a second look.</summary>
internal enum AgentMessageKind
{
    Other,
    Invalid,
    Welcome,
    Settings,
    KeepAlive,

    /// <summary>Upstream: what the user or the agent said (<c>role</c>, <c>content</c>): the text usage counts.</summary>
    ConversationText,

    /// <summary>Client: a new speak provider mid-session.</summary>
    UpdateSpeak,

    /// <summary>Client: a new think provider mid-session.</summary>
    UpdateThink,
}
