namespace Proxy.Metering;

/// <summary>
/// How a rated session's <c>cost_micros</c> is made up, part by part (record field <c>cost_parts</c>): the usage
/// aggregates and the invoice lines are built from these parts, and they add up exactly to the cost:
/// <c>per_session + base + Σ surcharges + Σ indicator fees = cost_micros</c>.
/// </summary>
internal sealed record CostBreakdown
{
    public long PerSessionMicros { get; init; }

    /// <summary>The plan's base per-minute rate's share (it absorbs the rounding of the per-minute total).</summary>
    public long BaseMicros { get; init; }

    /// <summary>Each matching model rate's share, keyed <c>component:model</c> (e.g. <c>think:gpt-5</c>).</summary>
    public IReadOnlyDictionary<string, long> Surcharges { get; init; } = new Dictionary<string, long>(StringComparer.Ordinal);

    /// <summary>Fees of the session's priced outcome indicators, by name.</summary>
    public IReadOnlyDictionary<string, long> IndicatorFees { get; init; } = new Dictionary<string, long>(StringComparer.Ordinal);
}
