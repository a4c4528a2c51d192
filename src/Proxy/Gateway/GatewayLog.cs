using Proxy.Tunnel;

namespace Proxy.Gateway;

/// <summary>Refusals and upstream failures. Keys never appear: a known key is named by its id, an unknown one by a
/// short prefix of its SHA-256.</summary>
internal static partial class GatewayLog
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "Rejected session from {RemoteIp}: HTTP {StatusCode} {Error} (key {KeyId})")]
    public static partial void Rejected(ILogger logger, System.Net.IPAddress? remoteIp, int statusCode, string error, string? keyId);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Upstream refused session {SessionId} of customer {CustomerId} with HTTP {UpstreamStatus}")]
    public static partial void UpstreamRefused(ILogger logger, string sessionId, string customerId, int? upstreamStatus);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Upstream unreachable for session {SessionId} of customer {CustomerId}: {ForwarderError}")]
    public static partial void UpstreamUnreachable(ILogger logger, string sessionId, string customerId, string forwarderError, Exception? exception);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Error, Message = "The stored Deepgram key of customer {CustomerId} cannot be decrypted with Secrets:MasterKey or Secrets:PreviousMasterKeys (tampered, or copied from another customer)")]
    public static partial void UpstreamKeyUnreadable(ILogger logger, string customerId);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Error, Message = "The stored Deepgram key of customer {CustomerId} is sealed under master key id {MasterKeyId}, which is neither Secrets:MasterKey nor one of Secrets:PreviousMasterKeys")]
    public static partial void UpstreamKeyUnderUnknownMasterKey(ILogger logger, string customerId, string masterKeyId);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "Session {SessionId}: the {Side} broke the protocol ({Error}); closing it")]
    public static partial void ProtocolViolation(ILogger logger, string sessionId, string side, string error);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning, Message = "The failed-key limiter holds its maximum of {MaxTrackedAddresses} clients (Limits:AuthFailureMaxTrackedAddresses): forgot the {Forgotten} live windows that started first")]
    public static partial void AuthFailureTableFull(ILogger logger, int maxTrackedAddresses, int forgotten);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Key lookup failed: Redis is unavailable")]
    public static partial void KeyLookupFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Debug, Message = "Session {SessionId}: tunnel ended, {FirstEnded} side first (client to upstream: {ClientToUpstream}, upstream to client: {UpstreamToClient})")]
    public static partial void TunnelEnded(ILogger logger, string sessionId, TunnelSide firstEnded, StreamCopyResult clientToUpstream, StreamCopyResult upstreamToClient);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Information, Message = "Refused a token grant from {RemoteIp}: HTTP {StatusCode} {Error} (key {KeyId})")]
    public static partial void GrantRefused(ILogger logger, System.Net.IPAddress? remoteIp, int statusCode, string error, string? keyId);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Information, Message = "Granted an access token to customer {CustomerId} (key {KeyId}) for {TtlSeconds} s")]
    public static partial void TokenGranted(ILogger logger, string customerId, string keyId, int ttlSeconds);

    [LoggerMessage(EventId = 3020, Level = LogLevel.Error, Message = "Customer {CustomerId} is pinned to upstream {UpstreamUrl}, which Upstream:Url and Upstream:AllowedUrls no longer allow: its sessions are refused until the pin or the list changes")]
    public static partial void PinnedUpstreamNotAllowed(ILogger logger, string customerId, string upstreamUrl);
}
