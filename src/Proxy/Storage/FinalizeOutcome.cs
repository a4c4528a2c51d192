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
}

/// <summary>What a final record write did, and by how much it moved the session's billable time and cost (a
/// measurement replacing an estimate; 0 otherwise).</summary>
internal readonly record struct FinalizeResult(FinalizeOutcome Outcome, long BillableCorrectionMs, long CostCorrectionMicros = 0);
