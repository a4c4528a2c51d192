using Proxy.Customers;

namespace Proxy.Billing;

/// <summary>
/// Turns a <c>PUT /admin/v1/plans/{planId}</c> body into the terms of a new version, or names the first field that
/// is wrong. Defaults: <c>rounding</c> exact_ms, <c>minimum_ms</c> 1000 (Deepgram's own minimum), the rest 0 or
/// empty. Every amount is checked so that rating can never overflow: the full per-minute rate (the base plus every
/// model rate, as if all matched) times a day of rated time, and that cost plus the flat fee and every indicator fee,
/// fit in 64 bits.
/// </summary>
internal static class PlanDocumentValidator
{
    public const long DefaultMinimumMs = 1000;

    /// <summary>The longest rated time a plan must price without overflow; a session is capped far below it
    /// (Sessions:MaxDuration, and Deepgram's own ~2 h), so only an absurd rate can be refused by it.</summary>
    public const long MaxRatedMs = 24L * 60 * 60 * 1000;

    public const int MaxModelLength = 200;
    public const int MaxIndicatorNameLength = 128;
    public const int MaxEntries = 200;

    private const long MsPerMinute = 60_000;

    /// <summary>The version's terms (<see cref="PlanVersion.Version"/> and <see cref="PlanVersion.CreatedAtMs"/> are
    /// 0: the store assigns them), or the field at fault and why.</summary>
    public static PlanValidation Validate(string planId, PlanDocument document)
    {
        if (!CustomerIds.IsValid(planId))
        {
            return PlanValidation.Invalid("plan_id", $"A plan id is {CustomerIds.Rule}.");
        }

        if (document.PlanId is { } bodyPlanId && bodyPlanId != planId)
        {
            return PlanValidation.Invalid("plan_id", $"plan_id in the body ('{bodyPlanId}') is not the plan of the URL ('{planId}'); leave it out or make them equal.");
        }

        if (string.IsNullOrEmpty(document.Currency) || !Currencies.IsKnown(document.Currency))
        {
            return PlanValidation.Invalid("currency", "currency is required: an ISO 4217 code in capitals, such as \"USD\" or \"EUR\".");
        }

        if (document.Rounding is { } rounding && PlanNames.Rounding(rounding) is null)
        {
            return PlanValidation.Invalid("rounding", $"rounding is {PlanNames.Roundings} (default exact_ms), not '{rounding}'.");
        }

        if (NotAmount("per_minute_micros", document.PerMinuteMicros) is { } perMinute)
        {
            return perMinute;
        }

        if (NotAmount("per_session_micros", document.PerSessionMicros) is { } perSession)
        {
            return perSession;
        }

        if (document.MinimumMs is < 0 or > MaxRatedMs)
        {
            return PlanValidation.Invalid("minimum_ms", $"minimum_ms is between 0 and {MaxRatedMs} (a day); default {DefaultMinimumMs}.");
        }

        if (ModelRatesError(document.ModelRates) is { } modelRates)
        {
            return modelRates;
        }

        if (IndicatorsError(document.Indicators) is { } indicators)
        {
            return indicators;
        }

        if (OverflowError(document) is { } overflow)
        {
            return overflow;
        }

        return PlanValidation.Valid(document.ToPlanVersion(planId, version: 0, createdAtMs: 0));
    }

    private static PlanValidation? ModelRatesError(IReadOnlyList<ModelRateDocument?>? rates)
    {
        if (rates is null)
        {
            return null;
        }

        if (rates.Count > MaxEntries)
        {
            return PlanValidation.Invalid("model_rates", $"model_rates has at most {MaxEntries} entries.");
        }

        var seen = new HashSet<(ModelComponent, string)>();
        for (var i = 0; i < rates.Count; i++)
        {
            var field = $"model_rates[{i}]";
            if (rates[i] is not { } rate)
            {
                return PlanValidation.Invalid(field, $"{field} is an object: {{\"component\":..,\"model\":..,\"per_minute_micros\":..}}.");
            }

            if (rate.Component is null || PlanNames.Component(rate.Component) is not { } component)
            {
                return PlanValidation.Invalid(field + ".component", $"{field}.component is {PlanNames.Components}, not '{rate.Component}'.");
            }

            if (string.IsNullOrEmpty(rate.Model) || rate.Model.Length > MaxModelLength || rate.Model.Any(char.IsControl))
            {
                return PlanValidation.Invalid(field + ".model",
                    $"{field}.model is required: the model name as the agent's Settings spell it (1-{MaxModelLength} characters).");
            }

            if (NotAmount(field + ".per_minute_micros", rate.PerMinuteMicros) is { } amount)
            {
                return amount;
            }

            if (!seen.Add((component, rate.Model)))
            {
                return PlanValidation.Invalid(field, $"{field} repeats the rate of {rate.Component} model '{rate.Model}': one rate per component and model.");
            }
        }

        return null;
    }

    private static PlanValidation? IndicatorsError(IReadOnlyDictionary<string, IndicatorPriceDocument?>? indicators)
    {
        if (indicators is null)
        {
            return null;
        }

        if (indicators.Count > MaxEntries)
        {
            return PlanValidation.Invalid("indicators", $"indicators has at most {MaxEntries} entries.");
        }

        foreach (var (name, price) in indicators)
        {
            if (name.Length is 0 or > MaxIndicatorNameLength || name.Any(char.IsControl))
            {
                return PlanValidation.Invalid("indicators", $"indicators: an indicator name is 1-{MaxIndicatorNameLength} characters without control characters.");
            }

            var field = $"indicators.{name}";
            if (price is null)
            {
                return PlanValidation.Invalid(field, $"{field} is an object: {{\"flat_micros\":..}}.");
            }

            if (NotAmount(field + ".flat_micros", price.FlatMicros) is { } amount)
            {
                return amount;
            }
        }

        return null;
    }

    /// <summary>The worst case rating can meet: every model rate matching, a day of rated time, every indicator
    /// posted. The field named is the one whose amount tipped the sum over 64 bits.</summary>
    private static PlanValidation? OverflowError(PlanDocument document)
    {
        long rate = document.PerMinuteMicros ?? 0;
        if (!FitsADay(rate))
        {
            return Overflow("per_minute_micros");
        }

        var rates = document.ModelRates ?? [];
        for (var i = 0; i < rates.Count; i++)
        {
            var added = rate + (rates[i]!.PerMinuteMicros ?? 0);
            if (added < rate || !FitsADay(added))
            {
                return Overflow($"model_rates[{i}].per_minute_micros");
            }

            rate = added;
        }

        // ceil(rate × ms / 60000) ≤ rate × minutes of a day, which FitsADay proved representable.
        var cost = rate * (MaxRatedMs / MsPerMinute);
        var withSession = cost + (document.PerSessionMicros ?? 0);
        if (withSession < cost)
        {
            return Overflow("per_session_micros");
        }

        cost = withSession;
        foreach (var (name, price) in document.Indicators ?? new Dictionary<string, IndicatorPriceDocument?>())
        {
            var added = cost + (price!.FlatMicros ?? 0);
            if (added < cost)
            {
                return Overflow($"indicators.{name}.flat_micros");
            }

            cost = added;
        }

        return null;
    }

    // Rating multiplies the rate by the rated milliseconds before dividing by 60000.
    private static bool FitsADay(long ratePerMinute) => ratePerMinute <= long.MaxValue / MaxRatedMs;

    private static PlanValidation Overflow(string field) => PlanValidation.Invalid(field,
        $"{field} is too large: the plan's cost of a day of rated time (every model rate and indicator included) must fit in 64-bit micro-units.");

    private static PlanValidation? NotAmount(string field, long? micros) =>
        micros is < 0 ? PlanValidation.Invalid(field, $"{field} is a whole number of micro-units, 0 or more.") : null;
}

/// <summary>The outcome of <see cref="PlanDocumentValidator.Validate"/>: the version's terms, or the field at fault
/// (its JSON path, such as <c>model_rates[1].component</c>) and a message for the operator.</summary>
internal sealed record PlanValidation(PlanVersion? Plan, string? Field, string? Message)
{
    public static PlanValidation Valid(PlanVersion plan) => new(plan, null, null);

    public static PlanValidation Invalid(string field, string message) => new(null, field, message);
}
