namespace Proxy.Billing;

/// <summary>
/// What a reconciliation found. The first four fields are the Fixed interface (DESIGN): <c>matched</c>,
/// <c>missing_in_records</c> (Deepgram's request ids we have no record of), <c>missing_at_deepgram</c> (our session ids
/// Deepgram does not list), <c>duration_drift_ms</c>. The lists hold at most <see cref="ReconciliationMatcher.ListLimit"/>
/// ids each; the <c>*_count</c> fields always hold the full numbers.
/// </summary>
internal sealed record ReconciliationReport
{
    public required long Matched { get; init; }

    public required IReadOnlyList<string> MissingInRecords { get; init; }

    public required IReadOnlyList<string> MissingAtDeepgram { get; init; }

    public required DurationDrift DurationDriftMs { get; init; }

    /// <summary>Customer the run was limited to; null for all customers.</summary>
    public string? Customer { get; init; }

    public required string From { get; init; }

    public required string To { get; init; }

    public required long RanAtMs { get; init; }

    /// <summary>What ran it: <c>on_demand</c> (<c>POST /admin/v1/reconcile</c>) or <c>scheduled</c>
    /// (<c>Deepgram:ReconcileEvery</c>, over [<see cref="From"/>, <see cref="To"/>), the window after the last one).</summary>
    public string Trigger { get; init; } = ReconciliationTrigger.OnDemand.Name();

    /// <summary>Distinct request ids in the uploaded list.</summary>
    public required long DeepgramRequests { get; init; }

    /// <summary>Closed records of the period with an upstream session: those Deepgram should list.</summary>
    public required long Records { get; init; }

    /// <summary>Of <see cref="Matched"/>, the records without a <c>deepgram_request_id</c> matched by time overlap.</summary>
    public required long MatchedByOverlap { get; init; }

    public required long MissingInRecordsCount { get; init; }

    public required long MissingAtDeepgramCount { get; init; }

    /// <summary>Deepgram's requests created outside the period that matched none of our records: not reported missing,
    /// they belong to another period's reconciliation.</summary>
    public required long OutsidePeriod { get; init; }

    /// <summary>Records of the period still open: matched by request id when listed, never reported missing (Deepgram
    /// may list a session only once it ended).</summary>
    public required long OpenRecords { get; init; }
}

/// <summary>Absolute differences between our <c>duration_ms</c> and Deepgram's <c>response.details.duration</c>, over
/// the matched pairs where both exist (<see cref="Compared"/>).</summary>
internal sealed record DurationDrift(long Total, long Max, long Compared);
