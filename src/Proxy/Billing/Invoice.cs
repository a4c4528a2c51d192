using System.Text.Json.Serialization;

namespace Proxy.Billing;

/// <summary>A customer's invoice for one UTC month (README, "Admin API"), built from the month's usage hash: its lines
/// add up exactly to the month's <c>cost_micros</c>. <see cref="Status"/> is <c>open</c> while the month is not
/// finalized (it still changes as sessions of that month finalize), <c>final</c> for the stored snapshot.</summary>
internal sealed record Invoice
{
    public const string Open = "open";
    public const string Final = "final";

    public required string Customer { get; init; }

    /// <summary>The UTC month, <c>yyyy-MM</c>.</summary>
    public required string Month { get; init; }

    /// <summary>ISO 4217 code of every amount; null when the month has no billing fields (no usage). Always
    /// written, null too.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public required string? Currency { get; init; }

    public required string Status { get; init; }

    public required IReadOnlyList<InvoiceLine> Lines { get; init; }

    public required long TotalMicros { get; init; }

    public required long Sessions { get; init; }

    public required long RatedMs { get; init; }

    /// <summary>When the month was finalized (Redis time, Unix ms); only on a final invoice.</summary>
    public long? FinalizedAtMs { get; init; }
}

/// <summary>One invoice line. Which of the optional fields are set depends on <see cref="Kind"/>: plan lines carry the
/// plan id and version, surcharge lines the component and model, indicator lines the indicator's name.</summary>
internal sealed record InvoiceLine
{
    public const string Usage = "usage";
    public const string FlatFee = "flat_fee";
    public const string ModelSurcharge = "model_surcharge";
    public const string Indicator = "indicator";
    public const string Adjustment = "adjustment";

    public required string Kind { get; init; }

    /// <summary>On an adjustment line: the finalized month it corrects (<c>yyyy-MM</c>) and the kind of that month's
    /// line it corrects.</summary>
    public string? AdjustsMonth { get; init; }

    public string? AdjustsKind { get; init; }

    public string? PlanId { get; init; }

    public long? PlanVersion { get; init; }

    public string? Component { get; init; }

    public string? Model { get; init; }

    public string? Name { get; init; }

    /// <summary>Sessions rated on the line (usage, flat fee, surcharge); null on indicator lines.</summary>
    public long? Sessions { get; init; }

    public required long Quantity { get; init; }

    /// <summary><c>ms</c> (usage: rated milliseconds), <c>session</c> (flat fee, surcharge) or <c>indicator</c>.</summary>
    public required string Unit { get; init; }

    public required long AmountMicros { get; init; }
}
