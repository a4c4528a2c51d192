namespace Proxy.Metering;

/// <summary>
/// One agent session as billed: the row finance reconciles against Deepgram's bill. Field names and meanings are the
/// contract in README.md ("Session record"); JSON and Redis use the snake_case form of each property name.
/// Instants are Unix milliseconds from the injected clock; durations come from the monotonic clock.
/// </summary>
internal sealed record SessionRecord
{
    public required string SessionId { get; init; }

    public string? ClientSessionId { get; init; }

    public required string CustomerId { get; init; }

    public required string KeyId { get; init; }

    /// <summary><see cref="CredentialKinds"/>; absent on records written before it was recorded.</summary>
    public string? Credential { get; init; }

    public string? PlanId { get; init; }

    public required string InstanceId { get; init; }

    public string? DeepgramRequestId { get; init; }

    public string? AgentConfigId { get; init; }

    public required long ClientOpenedAtMs { get; init; }

    public long? UpstreamOpenedAtMs { get; init; }

    public long? UpstreamClosedAtMs { get; init; }

    public long? ClientClosedAtMs { get; init; }

    public long? DurationMs { get; init; }

    public long? BillableMs { get; init; }

    public string? CloseReason { get; init; }

    public int? CloseCode { get; init; }

    public string? CloseInitiator { get; init; }

    /// <summary>The upstream's HTTP status when it refused the upgrade (kept for audit; the session is not billed).</summary>
    public int? UpstreamStatus { get; init; }

    public long FramesIn { get; init; }

    public long FramesOut { get; init; }

    public long BytesIn { get; init; }

    public long BytesOut { get; init; }

    /// <summary>The client's audio in ms, from its binary payload bytes and the Settings' audio.input; null when
    /// not derivable (see <see cref="BillingRules.AudioMs"/>).</summary>
    public long? AudioMsIn { get; init; }

    /// <summary>The agent's audio in ms, from the upstream's binary payload bytes and the Settings' audio.output.</summary>
    public long? AudioMsOut { get; init; }

    /// <summary>Characters (Unicode code points) of the upstream's ConversationText content with role user.</summary>
    public long? UserChars { get; init; }

    /// <summary>Characters (Unicode code points) of the upstream's ConversationText content with role assistant.</summary>
    public long? AssistantChars { get; init; }

    public string? ListenModel { get; init; }

    public string? ThinkProvider { get; init; }

    public string? ThinkModel { get; init; }

    public string? SpeakProvider { get; init; }

    public string? SpeakModel { get; init; }

    /// <summary>Every model the session used, as <c>stage:model</c> (<c>listen:nova-3</c>): the Settings' ones, then
    /// those the client switched to with UpdateSpeak / UpdateThink, each once (<see cref="ModelStages.Seen"/>).</summary>
    public IReadOnlyList<string> ModelsSeen
    {
        get => _modelsSeen;

        // A record stored before the field existed (a spool line, an admin export) reads it as null: none seen.
        init => _modelsSeen = value ?? [];
    }

    private readonly IReadOnlyList<string> _modelsSeen = [];

    public IReadOnlyList<string> Tags { get; init; } = [];

    public required string Status { get; init; }

    public long? LastSeenMs { get; init; }

    /// <summary>The last traffic that counted as activity under the session's idle mode (Unix ms).</summary>
    public long? LastActivityMs { get; init; }

    public bool Estimated { get; init; }

    /// <summary>The version of <see cref="PlanId"/> that rated the session (in force when it opened); null while open
    /// and for a session whose customer has no plan (unrated).</summary>
    public int? PlanVersion { get; init; }

    /// <summary>The duration rounded per the plan and raised to its minimum; 0 with no upstream session.</summary>
    public long? RatedMs { get; init; }

    /// <summary>The session's price in micro-units of <see cref="Currency"/>.</summary>
    public long? CostMicros { get; init; }

    /// <summary>ISO 4217 code of the plan's currency.</summary>
    public string? Currency { get; init; }

    /// <summary>The parts <see cref="CostMicros"/> is made of (for usage by model and invoice lines).</summary>
    public CostBreakdown? CostParts { get; init; }

    /// <summary>Outcome indicators posted for the session, during the call or after it, by name; null when none. On a
    /// final record their fees are included in <see cref="CostMicros"/> and listed in
    /// <see cref="CostBreakdown.IndicatorFees"/>; an open record holds those posted so far, unpriced until final.</summary>
    public IReadOnlyDictionary<string, IndicatorOutcome>? Indicators { get; init; }

    /// <summary>1 for the first final record, +1 for each later change (a measured final replacing an estimate);
    /// null while open. Set by the store, which alone knows what Redis already holds: consumers of the records
    /// stream dedupe by (session_id, record_version).</summary>
    public long? RecordVersion { get; init; }
}
