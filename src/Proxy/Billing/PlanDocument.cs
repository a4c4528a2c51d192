using System.Text.Json.Serialization;

namespace Proxy.Billing;

/// <summary>
/// A plan version as JSON (README, "Admin API"): the body of <c>PUT /admin/v1/plans/{planId}</c> and, with
/// <see cref="PlanId"/>, <see cref="Version"/> and <see cref="CreatedAtMs"/>, every answer about a version. Every
/// field is optional on the way in (defaults are applied by <see cref="PlanDocumentValidator"/>); a version as
/// answered can be put back unchanged, because the three added fields are ignored on the way in (plan_id must match).
/// </summary>
internal sealed record PlanDocument
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? PlanId { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Version { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? CreatedAtMs { get; init; }

    public string? Currency { get; init; }

    public long? PerMinuteMicros { get; init; }

    /// <summary><c>exact_ms</c>, <c>ceil_second</c> or <c>ceil_minute</c>.</summary>
    public string? Rounding { get; init; }

    public long? MinimumMs { get; init; }

    public long? PerSessionMicros { get; init; }

    public IReadOnlyList<ModelRateDocument?>? ModelRates { get; init; }

    public IReadOnlyDictionary<string, IndicatorPriceDocument?>? Indicators { get; init; }

    /// <summary>Every field of <paramref name="plan"/> written out, defaults included, so a stored version says
    /// exactly what it charged even if a default changes later.</summary>
    public static PlanDocument From(PlanVersion plan, bool withIdentity = true) => new()
    {
        PlanId = withIdentity ? plan.PlanId : null,
        Version = withIdentity ? plan.Version : null,
        CreatedAtMs = withIdentity ? plan.CreatedAtMs : null,
        Currency = plan.Currency,
        PerMinuteMicros = plan.PerMinuteMicros,
        Rounding = PlanNames.Of(plan.Rounding),
        MinimumMs = plan.MinimumMs,
        PerSessionMicros = plan.PerSessionMicros,
        ModelRates = [.. plan.ModelRates.Select(r => new ModelRateDocument(PlanNames.Of(r.Component), r.Model, r.PerMinuteMicros))],
        Indicators = plan.Indicators.ToDictionary(p => p.Key, p => (IndicatorPriceDocument?)new IndicatorPriceDocument(p.Value.FlatMicros), StringComparer.Ordinal),
    };

    /// <summary>The version this document describes, for a document already validated (a stored one): defaults for
    /// what it omits, and an <see cref="InvalidOperationException"/> for a name no version could have been stored
    /// with.</summary>
    public PlanVersion ToPlanVersion(string planId, int version, long createdAtMs) => new()
    {
        PlanId = planId,
        Version = version,
        CreatedAtMs = createdAtMs,
        Currency = Currency ?? throw new InvalidOperationException($"Plan {planId} version {version} has no currency."),
        PerMinuteMicros = PerMinuteMicros ?? 0,
        Rounding = Rounding is null ? RatingRounding.ExactMs : PlanNames.Rounding(Rounding) ?? throw Unknown("rounding", Rounding),
        MinimumMs = MinimumMs ?? PlanDocumentValidator.DefaultMinimumMs,
        PerSessionMicros = PerSessionMicros ?? 0,
        ModelRates = ModelRates is null
            ? []
            : [.. ModelRates.Select(r => new ModelRate(
                PlanNames.Component(r!.Component ?? string.Empty) ?? throw Unknown("component", r.Component),
                r.Model!,
                r.PerMinuteMicros ?? 0))],
        Indicators = Indicators is null
            ? new Dictionary<string, IndicatorPrice>(StringComparer.Ordinal)
            : Indicators.ToDictionary(p => p.Key, p => new IndicatorPrice(p.Value?.FlatMicros ?? 0), StringComparer.Ordinal),
    };

    private static InvalidOperationException Unknown(string field, string? value) => new($"Unknown {field} '{value}' in a stored plan version.");
}

/// <summary>A per-minute surcharge for a model: <c>{"component":"think","model":"gpt-5","per_minute_micros":500000}</c>.</summary>
internal sealed record ModelRateDocument(string? Component, string? Model, long? PerMinuteMicros);

/// <summary>An outcome indicator's fee: <c>{"flat_micros":200000}</c>.</summary>
internal sealed record IndicatorPriceDocument(long? FlatMicros);

/// <summary>Every version of a plan, oldest first: the answer of <c>GET /admin/v1/plans/{planId}/versions</c>.</summary>
internal sealed record PlanVersionList(string PlanId, IReadOnlyList<PlanDocument> Versions);

/// <summary>The current version of every live plan, by plan id.</summary>
internal sealed record PlanList(IReadOnlyList<PlanDocument> Plans);
