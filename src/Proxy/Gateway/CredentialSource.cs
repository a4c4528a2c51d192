using Proxy.Tunnel;

namespace Proxy.Gateway;

/// <summary>Where the client put its key: the two places Deepgram accepts one.</summary>
internal enum CredentialSource
{
    /// <summary><c>Authorization: Token &lt;key&gt;</c> (servers, Deepgram's Node SDK).</summary>
    AuthorizationHeader,

    /// <summary><c>Sec-WebSocket-Protocol: token, &lt;key&gt;</c> (browsers, which cannot set headers).</summary>
    Subprotocol,
}
