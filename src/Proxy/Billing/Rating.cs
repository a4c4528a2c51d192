namespace Proxy.Billing;

/// <summary>A session's price under one plan version: every part in micro-units of the plan's currency. The parts add
/// up exactly to <see cref="CostMicros"/>: <c>PerSessionMicros + BaseMicros + Σ Surcharges + Σ IndicatorFees</c>.</summary>
internal sealed record Rating
{
    public required string PlanId { get; init; }

    public required int PlanVersion { get; init; }

    public required string Currency { get; init; }

    /// <summary>The duration rounded per the plan and raised to its minimum; 0 with no upstream session.</summary>
    public required long RatedMs { get; init; }

    public required long CostMicros { get; init; }

    public long PerSessionMicros { get; init; }

    /// <summary>The base per-minute rate's share.</summary>
    public long BaseMicros { get; init; }

    /// <summary>Each matching model rate's share.</summary>
    public IReadOnlyList<ModelSurcharge> Surcharges { get; init; } = [];

    /// <summary>Fees of the posted indicators the plan prices (unpriced ones cost 0 and are not listed).</summary>
    public IReadOnlyDictionary<string, long> IndicatorFees { get; init; } = new Dictionary<string, long>(StringComparer.Ordinal);
}

/// <summary>One model rate's share of a session's cost.</summary>
internal sealed record ModelSurcharge(ModelComponent Component, string Model, long Micros);
