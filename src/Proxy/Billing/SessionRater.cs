namespace Proxy.Billing;

/// <summary>
/// The one rater (DESIGN "Fixed interface", plans): a session's price under a plan version. Pure integer arithmetic
/// on micro-units – no clock, no I/O, no floating point – so a record rated live, replayed or reaped gets the same
/// cost, and an overflow throws <see cref="RatingOverflowException"/> instead of wrapping.
/// </summary>
internal static class SessionRater
{
    private const long MsPerSecond = 1000;
    private const long MsPerMinute = 60_000;

    /// <summary>
    /// <c>rated_ms</c> = the duration rounded up per the plan, then at least <c>minimum_ms</c>; <c>cost_micros</c> =
    /// <c>per_session_micros</c> + ceil(rate × rated_ms / 60000) + the fees of the posted indicators the plan prices,
    /// where rate = <c>per_minute_micros</c> + every model rate whose model is the session's for its component. A
    /// session with no upstream session costs 0, flat fee and indicators included.
    /// </summary>
    /// <remarks>The parts add up exactly: each model surcharge is floor(rate_i × rated_ms / 60000) and the base
    /// absorbs the rounding (ceil of the whole minus the surcharges), so it is never negative and an invoice's lines
    /// sum to the records' cost.</remarks>
    /// <exception cref="RatingOverflowException">A part does not fit in Int64.</exception>
    /// <exception cref="ArgumentException">A negative amount in the plan or a negative duration: plan validation
    /// refuses the one and the monotonic clock cannot measure the other, and rating either would be a silent credit.</exception>
    public static Rating Rate(PlanVersion plan, RatingInput input)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(input);
        RequireNoNegativeAmount(plan);

        if (input.DurationMs is not { } durationMs)
        {
            return new Rating { PlanId = plan.PlanId, PlanVersion = plan.Version, Currency = plan.Currency, RatedMs = 0, CostMicros = 0 };
        }

        ArgumentOutOfRangeException.ThrowIfNegative(durationMs, nameof(input));
        var ratedMs = RatedMs(plan, durationMs);

        var rate = plan.PerMinuteMicros;
        foreach (var modelRate in plan.ModelRates)
        {
            if (Matches(modelRate, input))
            {
                rate = Add(rate, modelRate.PerMinuteMicros, "rate", plan);
            }
        }

        var timeCharge = PerMinuteShare(rate, ratedMs, roundUp: true, "time_charge", plan);
        var surcharges = new List<ModelSurcharge>();
        var surchargeTotal = 0L;
        foreach (var modelRate in plan.ModelRates)
        {
            if (Matches(modelRate, input))
            {
                // Never above the time charge (floor of a part ≤ ceil of the whole), so neither overflows.
                var micros = PerMinuteShare(modelRate.PerMinuteMicros, ratedMs, roundUp: false, "time_charge", plan);
                surcharges.Add(new ModelSurcharge(modelRate.Component, modelRate.Model, micros));
                surchargeTotal += micros;
            }
        }

        var cost = Add(plan.PerSessionMicros, timeCharge, "cost_micros", plan);
        var indicatorFees = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var name in input.IndicatorNames)
        {
            // A name is charged once per session whatever was posted for it (DESIGN: once per (session, name)).
            if (!indicatorFees.ContainsKey(name) && plan.Indicators.TryGetValue(name, out var price))
            {
                indicatorFees.Add(name, price.FlatMicros);
                cost = Add(cost, price.FlatMicros, "cost_micros", plan);
            }
        }

        return new Rating
        {
            PlanId = plan.PlanId,
            PlanVersion = plan.Version,
            Currency = plan.Currency,
            RatedMs = ratedMs,
            CostMicros = cost,
            PerSessionMicros = plan.PerSessionMicros,
            BaseMicros = timeCharge - surchargeTotal,
            Surcharges = surcharges,
            IndicatorFees = indicatorFees,
        };
    }

    /// <summary>
    /// For plan validation: the JSON field of <paramref name="plan"/> at which the largest price it could give a session
    /// rated up to <paramref name="maxRatedMs"/> (or its <c>minimum_ms</c>, if longer) no longer fits in Int64, so the
    /// plan API can answer 400 naming it; null when every such session can be rated. Fields are added in the order
    /// <c>per_minute_micros</c>, <c>model_rates[i].per_minute_micros</c>, <c>per_session_micros</c>,
    /// <c>indicators.&lt;name&gt;.flat_micros</c> (names ordinally), and the first that tips the sum over is named.
    /// </summary>
    /// <remarks>A session has one model per component, so only the costliest model of each component counts (its
    /// rates summed when a model is listed twice); rates for other models of that component are never charged
    /// together with it. Negative amounts count as 0 here: validation refuses them under their own rule.</remarks>
    public static string? FirstOverflowingField(PlanVersion plan, long maxRatedMs)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentOutOfRangeException.ThrowIfNegative(maxRatedMs);

        Int128 ratedMs = Math.Max(maxRatedMs, plan.MinimumMs);
        Int128 rate = NonNegative(plan.PerMinuteMicros);
        Int128 flat = 0;

        // The rate is checked against Int64 before it is multiplied, which keeps rate × rated_ms below 2^126.
        bool Overflows() => rate > long.MaxValue || CeilPerMinute(rate * ratedMs) + flat > long.MaxValue;

        if (Overflows())
        {
            return "per_minute_micros";
        }

        var costliest = CostliestModelPerComponent(plan.ModelRates);
        for (var i = 0; i < plan.ModelRates.Count; i++)
        {
            var modelRate = plan.ModelRates[i];
            if (costliest.TryGetValue(modelRate.Component, out var model) && string.Equals(model, modelRate.Model, StringComparison.Ordinal))
            {
                rate += NonNegative(modelRate.PerMinuteMicros);
                if (Overflows())
                {
                    return $"model_rates[{i}].per_minute_micros";
                }
            }
        }

        flat += NonNegative(plan.PerSessionMicros);
        if (Overflows())
        {
            return "per_session_micros";
        }

        foreach (var name in plan.Indicators.Keys.Order(StringComparer.Ordinal))
        {
            flat += NonNegative(plan.Indicators[name].FlatMicros);
            if (Overflows())
            {
                return $"indicators.{name}.flat_micros";
            }
        }

        return null;
    }

    private static long RatedMs(PlanVersion plan, long durationMs)
    {
        var rounded = plan.Rounding switch
        {
            RatingRounding.ExactMs => durationMs,
            RatingRounding.CeilSecond => RoundUp(durationMs, MsPerSecond, plan),
            RatingRounding.CeilMinute => RoundUp(durationMs, MsPerMinute, plan),
            _ => throw new ArgumentOutOfRangeException(nameof(plan), plan.Rounding, "Unknown rounding."),
        };
        return Math.Max(rounded, plan.MinimumMs);
    }

    private static long RoundUp(long durationMs, long unitMs, PlanVersion plan)
    {
        var units = (durationMs / unitMs) + (durationMs % unitMs == 0 ? 0 : 1);
        return Multiply(units, unitMs, "rated_ms", plan);
    }

    private static bool Matches(ModelRate modelRate, RatingInput input)
    {
        var sessionModel = modelRate.Component switch
        {
            ModelComponent.Listen => input.ListenModel,
            ModelComponent.Think => input.ThinkModel,
            ModelComponent.Speak => input.SpeakModel,
            _ => null,
        };
        return string.Equals(sessionModel, modelRate.Model, StringComparison.Ordinal);
    }

    /// <summary>rate × rated_ms / 60000, rounded as asked. The product goes through Int128 so a share that fits in
    /// Int64 is exact even when the product alone would not.</summary>
    private static long PerMinuteShare(long ratePerMinute, long ratedMs, bool roundUp, string part, PlanVersion plan)
    {
        var product = (Int128)ratePerMinute * ratedMs;
        var share = roundUp ? CeilPerMinute(product) : product / MsPerMinute;
        if (share > long.MaxValue)
        {
            throw Overflow(part, plan, null);
        }

        return (long)share;
    }

    private static Int128 CeilPerMinute(Int128 nonNegativeProduct) => (nonNegativeProduct + (MsPerMinute - 1)) / MsPerMinute;

    private static Dictionary<ModelComponent, string> CostliestModelPerComponent(IReadOnlyList<ModelRate> modelRates)
    {
        var perModel = new Dictionary<(ModelComponent, string), Int128>();
        foreach (var modelRate in modelRates)
        {
            var key = (modelRate.Component, modelRate.Model);
            perModel[key] = perModel.GetValueOrDefault(key) + NonNegative(modelRate.PerMinuteMicros);
        }

        var costliest = new Dictionary<ModelComponent, string>();
        foreach (var modelRate in modelRates)
        {
            var rate = perModel[(modelRate.Component, modelRate.Model)];
            if (!costliest.TryGetValue(modelRate.Component, out var best) || rate > perModel[(modelRate.Component, best)])
            {
                costliest[modelRate.Component] = modelRate.Model;
            }
        }

        return costliest;
    }

    private static long NonNegative(long amount) => Math.Max(0, amount);

    private static void RequireNoNegativeAmount(PlanVersion plan)
    {
        var negative = plan.PerMinuteMicros < 0 || plan.PerSessionMicros < 0 || plan.MinimumMs < 0
            || plan.ModelRates.Any(r => r.PerMinuteMicros < 0) || plan.Indicators.Values.Any(p => p.FlatMicros < 0);
        if (negative)
        {
            throw new ArgumentException($"Plan '{plan.PlanId}' version {plan.Version} has a negative amount.", nameof(plan));
        }
    }

    private static long Add(long a, long b, string part, PlanVersion plan)
    {
        try
        {
            return checked(a + b);
        }
        catch (OverflowException e)
        {
            throw Overflow(part, plan, e);
        }
    }

    private static long Multiply(long a, long b, string part, PlanVersion plan)
    {
        try
        {
            return checked(a * b);
        }
        catch (OverflowException e)
        {
            throw Overflow(part, plan, e);
        }
    }

    private static RatingOverflowException Overflow(string part, PlanVersion plan, Exception? inner) =>
        new(part, $"Rating a session under plan '{plan.PlanId}' version {plan.Version} overflows Int64 in {part}.", inner);
}
