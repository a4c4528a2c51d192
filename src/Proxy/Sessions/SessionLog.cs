using Proxy.Metering;

namespace Proxy.Sessions;

/// <summary>The two log lines of every session, and its records' write failures. They carry ids and figures only:
/// never a key.</summary>
internal static partial class SessionLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information,
        Message = "Session {SessionId} started: customer {CustomerId}, key {KeyId}, client session {ClientSessionId}, instance {InstanceId}")]
    public static partial void SessionStarted(ILogger logger, string sessionId, string customerId, string keyId, string? clientSessionId, string instanceId);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information,
        Message = "Session {SessionId} ended: customer {CustomerId}, key {KeyId}, reason {CloseReason}, code {CloseCode}, initiator {CloseInitiator}, " +
                  "duration {DurationMs} ms, billable {BillableMs} ms, deepgram request {DeepgramRequestId}, upstream status {UpstreamStatus}, " +
                  "frames in/out {FramesIn}/{FramesOut}, bytes in/out {BytesIn}/{BytesOut}, audio in {AudioMsIn} ms, " +
                  "models {ListenModel}/{ThinkProvider}:{ThinkModel}/{SpeakModel}, tags {Tags}, opened {UpstreamOpenedAtMs}, closed {UpstreamClosedAtMs}")]
    public static partial void SessionEnded(
        ILogger logger, string sessionId, string customerId, string keyId, string? closeReason, int? closeCode, string? closeInitiator,
        long? durationMs, long? billableMs, string? deepgramRequestId, int? upstreamStatus, long framesIn, long framesOut, long bytesIn, long bytesOut,
        long? audioMsIn, string? listenModel, string? thinkProvider, string? thinkModel, string? speakModel, string tags,
        long? upstreamOpenedAtMs, long? upstreamClosedAtMs);

    public static void SessionEnded(ILogger logger, SessionRecord r)
    {
        if (!logger.IsEnabled(LogLevel.Information))
        {
            return;
        }

        var tags = string.Join(',', r.Tags);
        SessionEnded(
            logger, r.SessionId, r.CustomerId, r.KeyId, r.CloseReason, r.CloseCode, r.CloseInitiator, r.DurationMs, r.BillableMs,
            r.DeepgramRequestId, r.UpstreamStatus, r.FramesIn, r.FramesOut, r.BytesIn, r.BytesOut, r.AudioMsIn, r.ListenModel,
            r.ThinkProvider, r.ThinkModel, r.SpeakModel, tags, r.UpstreamOpenedAtMs, r.UpstreamClosedAtMs);
    }

    [LoggerMessage(EventId = 2000, Level = LogLevel.Warning, Message = "Open record of session {SessionId} could not be written")]
    public static partial void OpenRecordWriteFailed(ILogger logger, string sessionId, Exception exception);

    // The record itself is logged so it can be recovered by hand; it holds no secret.
    [LoggerMessage(EventId = 2001, Level = LogLevel.Error, Message = "Final record of session {SessionId} could not be written: {Record}")]
    public static partial void FinalRecordWriteFailed(ILogger logger, string sessionId, string record, Exception exception);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Error, Message = "Frame inspection of session {SessionId} failed and was stopped; the session was forwarded and timed, its models or request id may be missing")]
    public static partial void InspectionFailed(ILogger logger, string sessionId, Exception exception);
}
