namespace Proxy.Sessions;

internal static partial class SessionControlLog
{
    [LoggerMessage(EventId = 5000, Level = LogLevel.Information, Message = "Closing session {SessionId} of customer {CustomerId}: {CloseReason} (client Close {CloseCode})")]
    public static partial void ForcedClose(ILogger logger, string sessionId, string customerId, string closeReason, int closeCode);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Error, Message = "Closing session {SessionId} failed")]
    public static partial void CloseFailed(ILogger logger, string sessionId, Exception exception);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Warned session {SessionId}: {Code}")]
    public static partial void Warned(ILogger logger, string sessionId, string code);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Error, Message = "Session sweep failed")]
    public static partial void SweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "Heartbeat of {Count} sessions of customer {CustomerId} failed: {Reason}")]
    public static partial void HeartbeatFailed(ILogger logger, int count, string customerId, string reason);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Information, Message = "Settings of customer {CustomerId} applied to {Count} live sessions")]
    public static partial void SettingsApplied(ILogger logger, string customerId, int count);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Warning, Message = "Control message could not be handled: {Message}")]
    public static partial void ControlMessageFailed(ILogger logger, string message, Exception exception);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Warning, Message = "Heartbeat recheck closes session {SessionId} of customer {CustomerId}: {CloseReason}")]
    public static partial void RecheckClose(ILogger logger, string sessionId, string customerId, string closeReason);

    [LoggerMessage(EventId = 5009, Level = LogLevel.Warning, Message = "Cannot subscribe to the control channel yet, retrying: {Reason}")]
    public static partial void SubscribeFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Information, Message = "Draining: {Count} live sessions get {DrainTimeout} before they are closed")]
    public static partial void Draining(ILogger logger, int count, TimeSpan drainTimeout);

    [LoggerMessage(EventId = 5008, Level = LogLevel.Information, Message = "Drain over: {Count} sessions closed with 1012, all records final")]
    public static partial void Drained(ILogger logger, int count);
}
