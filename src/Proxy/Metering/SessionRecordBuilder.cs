namespace Proxy.Metering;

/// <summary>
/// The one place a record is made from a session's facts, for live, replayed and reaped sessions alike: it copies
/// what was observed and derives the rest (duration, billable time, audio duration each way, the models seen, what
/// an open record leaves out).
/// </summary>
internal static class SessionRecordBuilder
{
    public static SessionRecord Build(SessionFacts facts)
    {
        var settings = facts.Settings;
        var record = new SessionRecord
        {
            SessionId = facts.SessionId,
            ClientSessionId = facts.ClientSessionId,
            CustomerId = facts.CustomerId,
            KeyId = facts.KeyId,
            Credential = facts.Credential,
            PlanId = facts.PlanId,
            InstanceId = facts.InstanceId,
            DeepgramRequestId = facts.DeepgramRequestId,
            AgentConfigId = settings?.AgentConfigId,
            ClientOpenedAtMs = facts.ClientOpenedAtMs,
            UpstreamOpenedAtMs = facts.UpstreamOpenedAtMs,
            UpstreamStatus = facts.UpstreamStatus,
            FramesIn = facts.FramesIn,
            FramesOut = facts.FramesOut,
            BytesIn = facts.BytesIn,
            BytesOut = facts.BytesOut,
            AudioMsIn = facts.RecordedAudioMsIn ?? BillingRules.AudioMs(facts.ClientAudioBytes, settings?.InputEncoding, settings?.InputSampleRate),
            AudioMsOut = facts.RecordedAudioMsOut ?? BillingRules.AudioMs(facts.AgentAudioBytes, settings?.OutputEncoding, settings?.OutputSampleRate),
            UserChars = facts.UserChars,
            AssistantChars = facts.AssistantChars,
            ListenModel = settings?.ListenModel,
            ThinkProvider = settings?.ThinkProvider,
            ThinkModel = settings?.ThinkModel,
            SpeakProvider = settings?.SpeakProvider,
            SpeakModel = settings?.SpeakModel,
            ModelsSeen = ModelStages.Seen(settings?.Models ?? [], facts.ModelUpdates),
            Tags = settings?.Tags ?? [],
            Status = SessionStatus.Open,
            LastSeenMs = facts.LastSeenMs ?? facts.UpstreamOpenedAtMs ?? facts.ClientOpenedAtMs,
            LastActivityMs = facts.LastActivityMs,
        };

        if (facts.End is not { } end)
        {
            return record;
        }

        var durationMs = DurationMs(facts.UpstreamOpenedAtMs, end);
        return record with
        {
            UpstreamClosedAtMs = end.UpstreamClosedAtMs,
            ClientClosedAtMs = end.ClientClosedAtMs,
            DurationMs = durationMs,
            BillableMs = BillingRules.BillableMs(durationMs),
            CloseReason = end.CloseReason,

            // Without an upstream session there was no WebSocket to close: no code, whatever the client saw.
            CloseCode = facts.UpstreamOpenedAtMs is null ? null : end.CloseCode,
            CloseInitiator = end.CloseInitiator,
            Status = SessionStatus.Closed,
            LastSeenMs = end.ClientClosedAtMs,
            Estimated = end.Estimated,
        };
    }

    /// <summary>Upstream open → upstream end: measured on the monotonic clock, or for an estimate the wall-clock
    /// span to the last sign of life (never negative: a wall clock can step back).</summary>
    private static long? DurationMs(long? upstreamOpenedAtMs, SessionEnd end)
    {
        if (upstreamOpenedAtMs is not { } opened)
        {
            return null;
        }

        if (end.Estimated)
        {
            return Math.Max(0, (end.UpstreamClosedAtMs ?? end.ClientClosedAtMs) - opened);
        }

        return end.UpstreamConnected is { } connected ? BillingRules.ToMilliseconds(connected) : null;
    }
}
