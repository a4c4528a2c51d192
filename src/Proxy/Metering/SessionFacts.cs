namespace Proxy.Metering;

/// <summary>
/// What is known about one session, as plain values: the input of <see cref="SessionRecordBuilder"/>. A live session
/// takes it from its meters and clocks; the reaper from the open record a stopped instance left in Redis.
/// </summary>
internal sealed record SessionFacts
{
    public required string SessionId { get; init; }

    public string? ClientSessionId { get; init; }

    public required string CustomerId { get; init; }

    public required string KeyId { get; init; }

    public string? Credential { get; init; }

    public string? PlanId { get; init; }

    public required string InstanceId { get; init; }

    public string? DeepgramRequestId { get; init; }

    /// <summary>What the client's Settings said (models, tags, input audio format); null before any came.</summary>
    public AgentSettingsSummary? Settings { get; init; }

    public required long ClientOpenedAtMs { get; init; }

    /// <summary>Null when no upstream session was opened: nothing reached Deepgram, nothing is billed.</summary>
    public long? UpstreamOpenedAtMs { get; init; }

    public long FramesIn { get; init; }

    public long FramesOut { get; init; }

    public long BytesIn { get; init; }

    public long BytesOut { get; init; }

    /// <summary>Payload bytes of the client's binary messages: the audio sent to the agent.</summary>
    public long ClientAudioBytes { get; init; }

    /// <summary>Payload bytes of the upstream's binary messages: the agent's audio.</summary>
    public long AgentAudioBytes { get; init; }

    /// <summary>Input audio already derived on a stored record, whose byte counts Redis does not keep (a reaped
    /// session); it stands as derived then.</summary>
    public long? RecordedAudioMsIn { get; init; }

    /// <summary>Output audio already derived on a stored record (a reaped session), as <see cref="RecordedAudioMsIn"/>.</summary>
    public long? RecordedAudioMsOut { get; init; }

    /// <summary>Characters of the user's ConversationText so far (a stored record's value for a reaped session).</summary>
    public long? UserChars { get; init; }

    /// <summary>Characters of the agent's ConversationText so far (a stored record's value for a reaped session).</summary>
    public long? AssistantChars { get; init; }

    /// <summary>Models the client switched to after Settings (UpdateSpeak / UpdateThink), as <c>stage:model</c> in
    /// arrival order. For a stored record: the models_seen it holds.</summary>
    public IReadOnlyList<string> ModelUpdates { get; init; } = [];

    /// <summary>The last heartbeat (Unix ms) a stored record carries; a live session's open record has none.</summary>
    public long? LastSeenMs { get; init; }

    public long? LastActivityMs { get; init; }

    public int? UpstreamStatus { get; init; }

    /// <summary>How the session ended; null while it is open.</summary>
    public SessionEnd? End { get; init; }

    /// <summary>The facts an open record holds (the reaper's only source for a session whose instance stopped).</summary>
    public static SessionFacts FromRecord(SessionRecord record) => new()
    {
        SessionId = record.SessionId,
        ClientSessionId = record.ClientSessionId,
        CustomerId = record.CustomerId,
        KeyId = record.KeyId,
        Credential = record.Credential,
        PlanId = record.PlanId,
        InstanceId = record.InstanceId,
        DeepgramRequestId = record.DeepgramRequestId,
        Settings = new AgentSettingsSummary
        {
            ListenModel = record.ListenModel,
            ThinkProvider = record.ThinkProvider,
            ThinkModel = record.ThinkModel,
            SpeakProvider = record.SpeakProvider,
            SpeakModel = record.SpeakModel,
            AgentConfigId = record.AgentConfigId,
            Tags = record.Tags,
        },
        ClientOpenedAtMs = record.ClientOpenedAtMs,
        UpstreamOpenedAtMs = record.UpstreamOpenedAtMs,
        FramesIn = record.FramesIn,
        FramesOut = record.FramesOut,
        BytesIn = record.BytesIn,
        BytesOut = record.BytesOut,
        RecordedAudioMsIn = record.AudioMsIn,
        RecordedAudioMsOut = record.AudioMsOut,
        UserChars = record.UserChars,
        AssistantChars = record.AssistantChars,

        // The record's list already starts with the Settings' models; Settings here carry none, so it stands as is.
        ModelUpdates = record.ModelsSeen,
        LastSeenMs = record.LastSeenMs,
        LastActivityMs = record.LastActivityMs,
        UpstreamStatus = record.UpstreamStatus,
    };
}
