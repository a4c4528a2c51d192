using Proxy.Sessions;

using Proxy.Tunnel;

namespace Proxy.Gateway;

/// <summary>Per-request state the forwarding pieces share: the admitted session and the key to present upstream.</summary>
internal sealed class AgentSessionFeature
{
    public AgentSessionFeature(AgentSession session, ClientCredentials credentials, string upstreamApiKey)
    {
        Session = session;
        Credentials = credentials;
        UpstreamApiKey = upstreamApiKey;
    }

    public AgentSession Session { get; }

    public ClientCredentials Credentials { get; }

    public string UpstreamApiKey { get; }
}
