using Proxy.Tunnel;
using Proxy.Metering;

namespace Proxy.Sessions;

/// <summary>
/// How a session's end is told on its record, from what was seen: who sent the first Close (or that none came), the
/// proxy's own decision, and which connection dropped first. Never from how a copy loop ended.
/// </summary>
internal static class SessionCloseRules
{
    /// <summary>The record's <c>close_reason</c>.</summary>
    public static string Reason(CloseOrigin firstClose, ProxyCloseRequest? proxyClose, bool upstreamOpened, TunnelSide firstEnded)
    {
        // The proxy's decision names the reason when it came first, or when it cut a session before any Close.
        if (proxyClose is not null && firstClose is CloseOrigin.Proxy or CloseOrigin.None)
        {
            return proxyClose.CloseReason;
        }

        if (!upstreamOpened)
        {
            return CloseReasons.UpstreamError;
        }

        return firstClose switch
        {
            CloseOrigin.Client => CloseReasons.ClientClosed,
            CloseOrigin.Upstream => CloseReasons.UpstreamClosed,

            // No Close frame: whichever connection dropped first is at fault.
            _ => firstEnded == TunnelSide.Upstream
                ? CloseReasons.UpstreamError
                : CloseReasons.ClientError,
        };
    }

    /// <summary>The record's <c>close_code</c>: the first Close's code, 1006 when the connection ended without one.</summary>
    public static int Code(CloseOrigin firstClose, int firstCloseCode) =>
        firstClose == CloseOrigin.None ? WebSocketCloseCodes.AbnormalClosure : firstCloseCode;

    /// <summary>The record's <c>close_initiator</c>.</summary>
    public static string Initiator(CloseOrigin firstClose) => firstClose switch
    {
        CloseOrigin.Client => CloseInitiators.Client,
        CloseOrigin.Upstream => CloseInitiators.Upstream,
        CloseOrigin.Proxy => CloseInitiators.Proxy,
        _ => CloseInitiators.None,
    };
}
