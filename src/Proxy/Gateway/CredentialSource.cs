namespace Proxy.Gateway;

/// <summary>What the client presented and where: the places Deepgram accepts a key or a short-lived token.</summary>
internal enum CredentialSource
{
    /// <summary><c>Authorization: Token &lt;key&gt;</c> (servers, Deepgram's Node SDK).</summary>
    AuthorizationHeader,

    /// <summary><c>Sec-WebSocket-Protocol: token, &lt;key&gt;</c> (browsers, which cannot set headers).</summary>
    Subprotocol,

    /// <summary><c>Authorization: Bearer &lt;access token&gt;</c> (an SDK made with <c>accessToken</c>).</summary>
    BearerHeader,

    /// <summary><c>Sec-WebSocket-Protocol: bearer, &lt;access token&gt;</c> (browsers).</summary>
    BearerSubprotocol,
}
