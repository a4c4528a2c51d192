namespace Proxy.Metering;

internal static partial class MeteringLog
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Warning, Message = "Open record of session {SessionId} could not be written")]
    public static partial void OpenRecordWriteFailed(ILogger logger, string sessionId, Exception exception);

    // The record itself is logged so it can be recovered by hand; it holds no secret.
    [LoggerMessage(EventId = 2001, Level = LogLevel.Error, Message = "Final record of session {SessionId} could not be written: {Record}")]
    public static partial void FinalRecordWriteFailed(ILogger logger, string sessionId, string record, Exception exception);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Error, Message = "Frame inspection of session {SessionId} failed and was stopped; the session was forwarded and timed, its models or request id may be missing")]
    public static partial void InspectionFailed(ILogger logger, string sessionId, Exception exception);
}
