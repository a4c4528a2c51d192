using Proxy.Metering;

namespace Proxy.Storage;

/// <summary>What a final record write did to the record Redis holds.</summary>
internal enum FinalizeOutcome
{
    /// <summary>The first final record: the session is counted in usage now.</summary>
    Finalized,

    /// <summary>A measurement replaced the reaper's estimate: usage corrected by the difference, version + 1.</summary>
    ReplacedEstimate,

    /// <summary>Redis already held a final record this one may not replace (a replay, or an estimate arriving after
    /// a measurement): nothing counted again.</summary>
    AlreadyFinal,

    /// <summary>Nothing written: the record it would replace (the open record, or the estimate) holds indicators this
    /// one was not rated with (<see cref="FinalizeResult.StoredIndicators"/>); merge them, rate again, retry.</summary>
    IndicatorsMissing,
}

/// <summary>What a final record write did, and by how much it moved the session's billable time and cost (a
/// measurement replacing an estimate; 0 otherwise).</summary>
internal readonly record struct FinalizeResult(FinalizeOutcome Outcome, long BillableCorrectionMs, long CostCorrectionMicros = 0)
{
    /// <summary>For <see cref="FinalizeOutcome.IndicatorsMissing"/>: the indicators stored on the record it would
    /// replace, all of them.</summary>
    public IReadOnlyDictionary<string, IndicatorOutcome>? StoredIndicators { get; init; }
}
