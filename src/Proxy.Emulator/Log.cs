namespace Proxy.Emulator;

internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Connection {RequestId} opened on {Path} (auth {AuthMethod}, key sha256:{KeyFingerprint}, protocols [{Protocols}])")]
    public static partial void ConnectionOpened(ILogger logger, string requestId, string path, string authMethod, string keyFingerprint, string protocols);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information,
        Message = "Connection {RequestId} ended: {EndReason}, initiator {CloseInitiator}, status {CloseStatus}, {MessagesReceived} messages in, {MessagesSent} out")]
    public static partial void ConnectionEnded(ILogger logger, string requestId, string? endReason, string closeInitiator, int? closeStatus, long messagesReceived, long messagesSent);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information,
        Message = "Refused {Path}: {Reason} (key sha256:{KeyFingerprint})")]
    public static partial void AuthRejected(ILogger logger, string path, string reason, string keyFingerprint);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information,
        Message = "Connection {RequestId}: no client message for {Timeout}, sending CLIENT_MESSAGE_TIMEOUT and Close {CloseCode}")]
    public static partial void ClientMessageTimeout(ILogger logger, string requestId, TimeSpan timeout, int closeCode);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning,
        Message = "Connection {RequestId}: the client did not answer Close within {Timeout}; aborting")]
    public static partial void CloseHandshakeTimeout(ILogger logger, string requestId, TimeSpan timeout);

    [LoggerMessage(EventId = 6, Level = LogLevel.Error, Message = "Connection {RequestId} failed")]
    public static partial void SessionFailed(ILogger logger, string requestId, Exception exception);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "Refused the upgrade on {Path} with HTTP {StatusCode} (test hook)")]
    public static partial void UpgradeRefused(ILogger logger, string path, int statusCode);
}
