namespace Proxy.Billing;

/// <summary>
/// One version of a plan, as it was put (README, "Billing"). Versions never change: a change to a plan is a new
/// version, and a session is rated by the version in force when it opened. Money in integer micro-units of
/// <see cref="Currency"/> (ISO 4217).
/// </summary>
internal sealed record PlanVersion
{
    public required string PlanId { get; init; }

    /// <summary>1 for the first version, +1 for each change.</summary>
    public required int Version { get; init; }

    /// <summary>When this version came into force (Unix ms, Redis <c>TIME</c>); it stays in force for sessions opened
    /// until the next version's instant.</summary>
    public required long CreatedAtMs { get; init; }

    public required string Currency { get; init; }

    /// <summary>The base rate per minute of rated time.</summary>
    public long PerMinuteMicros { get; init; }

    public RatingRounding Rounding { get; init; } = RatingRounding.ExactMs;

    /// <summary>Rated time is at least this (Deepgram's own minimum is one second).</summary>
    public long MinimumMs { get; init; } = 1000;

    /// <summary>A flat fee per session that reached the agent API, whatever its length.</summary>
    public long PerSessionMicros { get; init; }

    /// <summary>Per-minute surcharges for sessions whose Settings named these models.</summary>
    public IReadOnlyList<ModelRate> ModelRates { get; init; } = [];

    /// <summary>Flat fees per outcome indicator name.</summary>
    public IReadOnlyDictionary<string, IndicatorPrice> Indicators { get; init; } = new Dictionary<string, IndicatorPrice>(StringComparer.Ordinal);
}

/// <summary>How a session's duration is rounded before the minimum applies.</summary>
internal enum RatingRounding
{
    /// <summary><c>exact_ms</c>: the duration as measured.</summary>
    ExactMs,

    /// <summary><c>ceil_second</c>: up to the next whole second.</summary>
    CeilSecond,

    /// <summary><c>ceil_minute</c>: up to the next whole minute.</summary>
    CeilMinute,
}

/// <summary>The part of the agent a model rate applies to, matched against the session's Settings.</summary>
internal enum ModelComponent
{
    /// <summary><c>listen</c>: the speech-to-text model.</summary>
    Listen,

    /// <summary><c>think</c>: the LLM.</summary>
    Think,

    /// <summary><c>speak</c>: the text-to-speech model.</summary>
    Speak,
}

/// <summary>A per-minute surcharge for sessions whose <paramref name="Component"/> used <paramref name="Model"/>
/// (compared ordinally, as the Settings message spelled it).</summary>
internal sealed record ModelRate(ModelComponent Component, string Model, long PerMinuteMicros);

/// <summary>The fee for an outcome indicator, charged once per session and name whatever the value.</summary>
internal sealed record IndicatorPrice(long FlatMicros);
