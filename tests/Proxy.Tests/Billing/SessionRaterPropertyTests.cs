using FsCheck;
using FsCheck.Fluent;
using Proxy.Billing;

namespace Proxy.Tests.Billing;

/// <summary>
/// Properties of the rater over generated plans and sessions. Amounts are bounded (durations up to 8 h, rates up to
/// 10^9 micros a minute) so nothing overflows here; overflow has its own properties and examples.
/// </summary>
public sealed class SessionRaterPropertyTests
{
    private const int EightHoursMs = 8 * 60 * 60 * 1000;
    private const int MaxRate = 1_000_000_000;

    private static readonly string[] Models = ["gpt-5", "gemini-2.5-flash", "nova-3", "aura-2-thalia-en"];
    private static readonly string[] IndicatorNames = ["lead_qualified", "appointment_booked", "transferred"];

    private static readonly Gen<ModelRate> ModelRateGen =
        from component in Gen.Elements(ModelComponent.Listen, ModelComponent.Think, ModelComponent.Speak)
        from model in Gen.Elements(Models)
        from rate in Gen.Choose(0, MaxRate)
        select new ModelRate(component, model, rate);

    private static readonly Gen<PlanVersion> PlanGen =
        from rounding in Gen.Elements(RatingRounding.ExactMs, RatingRounding.CeilSecond, RatingRounding.CeilMinute)
        from minimumMs in Gen.Frequency((3, Gen.Constant(1000)), (2, Gen.Choose(0, 120_000)))
        from perMinute in Gen.Choose(0, MaxRate)
        from perSession in Gen.Frequency((1, Gen.Constant(0)), (1, Gen.Choose(0, MaxRate)))
        from modelRates in Gen.Choose(0, 4).SelectMany(n => Gen.ListOf(ModelRateGen, n))
        from pricedNames in Gen.SubListOf(IndicatorNames)
        from fees in Gen.ListOf(Gen.Choose(0, MaxRate), pricedNames.Count)
        select new PlanVersion
        {
            PlanId = "p",
            Version = 1,
            CreatedAtMs = 0,
            Currency = "USD",
            Rounding = rounding,
            MinimumMs = minimumMs,
            PerMinuteMicros = perMinute,
            PerSessionMicros = perSession,
            ModelRates = [.. modelRates],
            Indicators = pricedNames.Zip(fees).ToDictionary(p => p.First, p => new IndicatorPrice(p.Second), StringComparer.Ordinal),
        };

    private static readonly Gen<string?> SessionModelGen = Gen.Elements(Models).Select(m => (string?)m).OrNull();

    private static readonly Gen<RatingInput> SessionGen =
        from durationMs in Gen.Choose(0, EightHoursMs)
        from listen in SessionModelGen
        from think in SessionModelGen
        from speak in SessionModelGen
        from posted in Gen.Choose(0, 5).SelectMany(n => Gen.ListOf(Gen.Elements([.. IndicatorNames, "unpriced"]), n))
        select new RatingInput(durationMs, listen, think, speak, [.. posted]);

    private static readonly Arbitrary<(PlanVersion Plan, RatingInput Session)> Rated =
        PlanGen.SelectMany(_ => SessionGen, (plan, session) => (plan, session)).ToArbitrary();

    [FsCheck.Xunit.Property(MaxTest = 500)]
    public Property Cost_and_base_are_never_negative() =>
        Prop.ForAll(Rated, x =>
        {
            var rating = SessionRater.Rate(x.Plan, x.Session);
            return rating.CostMicros >= 0 && rating.BaseMicros >= 0 && rating.Surcharges.All(s => s.Micros >= 0);
        });

    [FsCheck.Xunit.Property(MaxTest = 500)]
    public Property Parts_add_up_exactly_to_the_cost() =>
        Prop.ForAll(Rated, x =>
        {
            var rating = SessionRater.Rate(x.Plan, x.Session);
            return rating.PerSessionMicros + rating.BaseMicros + rating.Surcharges.Sum(s => s.Micros) + rating.IndicatorFees.Values.Sum()
                == rating.CostMicros;
        });

    [FsCheck.Xunit.Property(MaxTest = 500)]
    public Property Cost_is_non_decreasing_in_duration() =>
        Prop.ForAll(Rated, Gen.Choose(0, EightHoursMs).ToArbitrary(), (x, otherMs) =>
        {
            var shorter = Math.Min(x.Session.DurationMs!.Value, otherMs);
            var longer = Math.Max(x.Session.DurationMs!.Value, otherMs);
            var shorterRating = SessionRater.Rate(x.Plan, x.Session with { DurationMs = shorter });
            var longerRating = SessionRater.Rate(x.Plan, x.Session with { DurationMs = longer });
            return shorterRating.CostMicros <= longerRating.CostMicros && shorterRating.RatedMs <= longerRating.RatedMs;
        });

    [FsCheck.Xunit.Property(MaxTest = 500)]
    public Property Ceil_roundings_never_rate_or_charge_less_than_exact_ms() =>
        Prop.ForAll(Rated, x =>
        {
            var exact = SessionRater.Rate(x.Plan with { Rounding = RatingRounding.ExactMs }, x.Session);
            var second = SessionRater.Rate(x.Plan with { Rounding = RatingRounding.CeilSecond }, x.Session);
            var minute = SessionRater.Rate(x.Plan with { Rounding = RatingRounding.CeilMinute }, x.Session);
            return exact.RatedMs <= second.RatedMs && second.RatedMs <= minute.RatedMs
                && exact.CostMicros <= second.CostMicros && second.CostMicros <= minute.CostMicros;
        });

    [FsCheck.Xunit.Property(MaxTest = 500)]
    public Property Rated_time_is_at_least_the_minimum_and_the_duration_when_there_was_an_upstream_session() =>
        Prop.ForAll(Rated, x =>
        {
            var rating = SessionRater.Rate(x.Plan, x.Session);
            return rating.RatedMs >= x.Plan.MinimumMs && rating.RatedMs >= x.Session.DurationMs;
        });

    [FsCheck.Xunit.Property(MaxTest = 200)]
    public Property No_upstream_session_is_rated_zero_and_free_under_any_plan() =>
        Prop.ForAll(Rated, x =>
        {
            var rating = SessionRater.Rate(x.Plan, x.Session with { DurationMs = null });
            return rating.RatedMs == 0 && rating.CostMicros == 0 && rating.IndicatorFees.Count == 0 && rating.Surcharges.Count == 0;
        });

    [FsCheck.Xunit.Property(MaxTest = 500)]
    public Property Cost_is_non_decreasing_in_the_per_minute_rate() =>
        Prop.ForAll(Rated, Gen.Choose(0, MaxRate).ToArbitrary(), (x, raise) =>
        {
            var cheaper = SessionRater.Rate(x.Plan, x.Session);
            var dearer = SessionRater.Rate(x.Plan with { PerMinuteMicros = x.Plan.PerMinuteMicros + raise }, x.Session);
            return cheaper.CostMicros <= dearer.CostMicros;
        });

    /// <summary>
    /// Plan validation and the rater agree: with one model rate per component and the session using all of them
    /// and posting every priced indicator (the dearest session a plan allows), a plan passes validation for a
    /// maximum exactly when a session of that length can be rated. Amounts here range up to Int64.MaxValue.
    /// </summary>
    [FsCheck.Xunit.Property(MaxTest = 500)]
    public Property Plan_validation_passes_exactly_the_plans_whose_dearest_session_can_be_rated()
    {
        var amount = Gen.Frequency(
            (2, Gen.Choose(0, MaxRate).Select(a => (long)a)),
            (3, FsCheck.FSharp.Gen.Choose64(0, long.MaxValue / 60_000)),
            (1, FsCheck.FSharp.Gen.Choose64(0, long.MaxValue)));
        var dearest =
            from maxRatedMs in Gen.Frequency(
                (2, FsCheck.FSharp.Gen.Choose64(1000, EightHoursMs)),
                (1, FsCheck.FSharp.Gen.Choose64(1000, long.MaxValue)))
            from perMinute in amount
            from perSession in amount
            from listen in amount
            from think in amount
            from fee in amount
            select (
                Plan: new PlanVersion
                {
                    PlanId = "p",
                    Version = 1,
                    CreatedAtMs = 0,
                    Currency = "USD",
                    PerMinuteMicros = perMinute,
                    PerSessionMicros = perSession,
                    ModelRates = [new(ModelComponent.Listen, "nova-3", listen), new(ModelComponent.Think, "gpt-5", think)],
                    Indicators = new Dictionary<string, IndicatorPrice>(StringComparer.Ordinal) { ["lead_qualified"] = new(fee) },
                },
                MaxRatedMs: maxRatedMs);

        return Prop.ForAll(dearest.ToArbitrary(), x =>
        {
            var field = SessionRater.FirstOverflowingField(x.Plan, x.MaxRatedMs);
            var session = new RatingInput(x.MaxRatedMs, "nova-3", "gpt-5", null, ["lead_qualified"]);
            try
            {
                SessionRater.Rate(x.Plan, session);
                return field is null;
            }
            catch (RatingOverflowException)
            {
                return field is not null;
            }
        });
    }
}
