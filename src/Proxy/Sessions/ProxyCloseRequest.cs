namespace Proxy.Sessions;

/// <summary>Why and how the proxy ends a session itself.</summary>
/// <param name="CloseReason">The record's <c>close_reason</c>.</param>
/// <param name="ErrorCode">The <c>code</c> of the JSON Error the client gets first.</param>
/// <param name="Description">The Error's <c>description</c>.</param>
/// <param name="ClientCloseCode">1000 so Deepgram's SDKs do not reconnect; 1012 (service restart) so they do.</param>
internal sealed record ProxyCloseRequest(string CloseReason, string ErrorCode, string Description, int ClientCloseCode)
{
    /// <summary>Whether the client gets the JSON Error before its Close (not when it broke the protocol itself).</summary>
    public bool SendErrorMessage { get; init; } = true;

    /// <summary>The Close code the upstream gets: 1000 (a normal end of its session) unless it broke the protocol.</summary>
    public int UpstreamCloseCode { get; init; } = 1000;

    /// <summary>A peer broke the WebSocket protocol or a limit (counted apart from the proxy's policy closes).</summary>
    public bool IsProtocolViolation { get; init; }
}
