namespace Proxy.Tunnel;

/// <summary>
/// The status codes a Close frame may carry on the wire (RFC 6455 §7.4, IANA's WebSocket Close Code Number
/// Registry). 1005 and 1006 name what an endpoint observed – no status in the Close, the connection dropped without
/// one – and, like 1015 (TLS failure), must never be sent; 1004 is reserved; 0–999 and 1016–2999 are not assigned;
/// 5000 and above are out of range.
/// </summary>
internal static class WebSocketCloseCodes
{
    /// <summary>Observed: a Close frame without a status code.</summary>
    public const int NoStatusReceived = 1005;

    /// <summary>Observed: the connection ended without a Close frame.</summary>
    public const int AbnormalClosure = 1006;

    /// <summary>
    /// 1000–1003 and 1007–1011 from RFC 6455, 1012–1014 registered since (service restart, try again later, bad
    /// gateway); 3000–3999 registered for libraries and frameworks, 4000–4999 private use.
    /// </summary>
    public static bool MaySend(int code) =>
        code is (>= 1000 and <= 1003) or (>= 1007 and <= 1014) or (>= 3000 and <= 4999);
}
