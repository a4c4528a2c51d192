using Proxy.Billing;

namespace Proxy.Tests.Billing;

public sealed class SessionRaterTests
{
    private const long Minute = 60_000;

    [Fact]
    public void Per_minute_plan_charges_fifteen_cents_a_minute_for_five_minutes_as_75_cents()
    {
        var rating = SessionRater.Rate(Plan() with { PerMinuteMicros = 150_000 }, Session(5 * Minute));

        Assert.Equal(5 * Minute, rating.RatedMs);
        Assert.Equal(750_000, rating.CostMicros);
        Assert.Equal(750_000, rating.BaseMicros);
        Assert.Empty(rating.Surcharges);
    }

    [Theory]
    [InlineData(3_000)]
    [InlineData(90 * Minute)]
    public void Flat_plan_charges_twenty_cents_whatever_the_length(long durationMs)
    {
        var rating = SessionRater.Rate(Plan() with { PerSessionMicros = 200_000, PerMinuteMicros = 0 }, Session(durationMs));

        Assert.Equal(200_000, rating.CostMicros);
        Assert.Equal(200_000, rating.PerSessionMicros);
        Assert.Equal(0, rating.BaseMicros);
    }

    [Fact]
    public void Gpt5_think_surcharge_is_charged_on_top_of_the_base_rate()
    {
        var rating = SessionRater.Rate(SurchargedPlan(), Session(2 * Minute, think: "gpt-5"));

        Assert.Equal(1_200_000, rating.CostMicros);
        Assert.Equal(200_000, rating.BaseMicros);
        var surcharge = Assert.Single(rating.Surcharges);
        Assert.Equal(new ModelSurcharge(ModelComponent.Think, "gpt-5", 1_000_000), surcharge);
    }

    [Fact]
    public void Gemini_think_surcharge_is_its_own_lower_rate()
    {
        var rating = SessionRater.Rate(SurchargedPlan(), Session(2 * Minute, think: "gemini-2.5-flash"));

        Assert.Equal(600_000, rating.CostMicros);
        Assert.Equal(200_000, rating.BaseMicros);
        Assert.Equal(400_000, Assert.Single(rating.Surcharges).Micros);
    }

    [Fact]
    public void Model_rates_match_the_component_and_the_exact_spelling_only()
    {
        var plan = SurchargedPlan();

        Assert.Empty(SessionRater.Rate(plan, Session(Minute, listen: "gpt-5")).Surcharges);
        Assert.Empty(SessionRater.Rate(plan, Session(Minute, think: "GPT-5")).Surcharges);
        Assert.Empty(SessionRater.Rate(plan, Session(Minute)).Surcharges);
        Assert.Equal(100_000, SessionRater.Rate(plan, Session(Minute, think: "GPT-5")).CostMicros);
    }

    [Fact]
    public void Rates_of_several_components_add_up_and_the_base_absorbs_the_rounding()
    {
        var plan = Plan() with
        {
            PerMinuteMicros = 1,
            MinimumMs = 0,
            ModelRates = [new(ModelComponent.Listen, "nova-3", 1), new(ModelComponent.Speak, "aura-2", 1)],
        };

        // 3 × 1 ms / 60000 → ceil 1 micro in all; each surcharge floors to 0, so the base carries the micro.
        var rating = SessionRater.Rate(plan, Session(1, listen: "nova-3", speak: "aura-2"));

        Assert.Equal(1, rating.CostMicros);
        Assert.Equal(1, rating.BaseMicros);
        Assert.Equal(new long[] { 0, 0 }, rating.Surcharges.Select(s => s.Micros));
    }

    [Fact]
    public void No_upstream_session_is_rated_zero_and_costs_nothing_even_with_a_flat_fee_and_indicators()
    {
        var plan = SurchargedPlan() with
        {
            PerSessionMicros = 200_000,
            Indicators = new Dictionary<string, IndicatorPrice>(StringComparer.Ordinal) { ["lead_qualified"] = new(300_000) },
        };

        var rating = SessionRater.Rate(plan, new RatingInput(null, null, "gpt-5", null, ["lead_qualified"]));

        Assert.Equal(0, rating.RatedMs);
        Assert.Equal(0, rating.CostMicros);
        Assert.Equal(0, rating.PerSessionMicros);
        Assert.Empty(rating.Surcharges);
        Assert.Empty(rating.IndicatorFees);
        Assert.Equal(("flat", 3, "EUR"), (rating.PlanId, rating.PlanVersion, rating.Currency));
    }

    [Theory]
    [InlineData(nameof(RatingRounding.CeilSecond), 1_001, 1_000, 2_000)]
    [InlineData(nameof(RatingRounding.CeilSecond), 2_000, 1_000, 2_000)]
    [InlineData(nameof(RatingRounding.CeilMinute), 61_000, 1_000, 120_000)]
    [InlineData(nameof(RatingRounding.CeilMinute), 60_000, 1_000, 60_000)]
    [InlineData(nameof(RatingRounding.ExactMs), 1_234, 1_000, 1_234)]
    [InlineData(nameof(RatingRounding.ExactMs), 200, 1_000, 1_000)]
    [InlineData(nameof(RatingRounding.ExactMs), 0, 1_000, 1_000)]
    [InlineData(nameof(RatingRounding.CeilSecond), 1, 1_500, 1_500)]
    [InlineData(nameof(RatingRounding.CeilSecond), 1_400, 1_500, 2_000)]
    [InlineData(nameof(RatingRounding.CeilMinute), 1, 0, 60_000)]
    [InlineData(nameof(RatingRounding.ExactMs), 1, 0, 1)]
    public void Duration_is_rounded_up_then_raised_to_the_minimum(string rounding, long durationMs, long minimumMs, long expectedRatedMs)
    {
        var rating = SessionRater.Rate(Plan() with { Rounding = Enum.Parse<RatingRounding>(rounding), MinimumMs = minimumMs }, Session(durationMs));

        Assert.Equal(expectedRatedMs, rating.RatedMs);
    }

    [Theory]
    [InlineData(150_000, 3)]
    [InlineData(60_000, 1)]
    [InlineData(60_001, 2)]
    [InlineData(1, 1)]
    [InlineData(0, 0)]
    public void One_exact_millisecond_costs_the_rate_over_60000_rounded_up(long perMinuteMicros, long expectedMicros)
    {
        var rating = SessionRater.Rate(Plan() with { PerMinuteMicros = perMinuteMicros, MinimumMs = 0 }, Session(1));

        Assert.Equal(1, rating.RatedMs);
        Assert.Equal(expectedMicros, rating.CostMicros);
    }

    [Fact]
    public void Posted_indicators_priced_by_the_plan_add_their_fee_once_and_unpriced_ones_are_free_and_unlisted()
    {
        var plan = Plan() with
        {
            PerMinuteMicros = 60_000,
            Indicators = new Dictionary<string, IndicatorPrice>(StringComparer.Ordinal)
            {
                ["lead_qualified"] = new(200_000),
                ["appointment_booked"] = new(500_000),
                ["transferred"] = new(0),
            },
        };

        var rating = SessionRater.Rate(plan, Session(Minute, indicators: ["lead_qualified", "unpriced", "lead_qualified", "transferred", "Lead_Qualified"]));

        Assert.Equal(
            new KeyValuePair<string, long>[] { new("lead_qualified", 200_000), new("transferred", 0) },
            rating.IndicatorFees.OrderBy(f => f.Key, StringComparer.Ordinal));
        Assert.Equal(60_000 + 200_000, rating.CostMicros);
    }

    [Fact]
    public void Rating_names_the_plan_version_and_currency()
    {
        var rating = SessionRater.Rate(Plan(), Session(Minute));

        Assert.Equal(("flat", 3, "EUR"), (rating.PlanId, rating.PlanVersion, rating.Currency));
    }

    [Fact]
    public void An_absurd_rate_is_named_by_plan_validation_and_throws_when_rated()
    {
        const long EightHoursMs = 8 * 60 * Minute;
        var plan = Plan() with { PerMinuteMicros = long.MaxValue / 100 };

        Assert.Equal("per_minute_micros", SessionRater.FirstOverflowingField(plan, EightHoursMs));
        var overflow = Assert.Throws<RatingOverflowException>(() => SessionRater.Rate(plan, Session(EightHoursMs)));
        Assert.Equal("time_charge", overflow.Part);
        Assert.Contains("time_charge", overflow.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_validation_names_the_model_rate_flat_fee_or_indicator_that_tips_the_sum_over()
    {
        // Each of these fits alone for a one-minute session; two of them together do not.
        const long Big = (long.MaxValue / 2) + 1;
        var free = Plan() with { MinimumMs = 0 };
        var based = free with { PerMinuteMicros = Big };

        Assert.Null(SessionRater.FirstOverflowingField(based, Minute));
        Assert.Equal("per_minute_micros", SessionRater.FirstOverflowingField(based with { PerMinuteMicros = long.MaxValue }, 2 * Minute));
        Assert.Equal("model_rates[1].per_minute_micros", FirstOverflowingField(based, [new(ModelComponent.Think, "a", 1), new(ModelComponent.Think, "b", Big)]));
        Assert.Equal("model_rates[1].per_minute_micros", FirstOverflowingField(free, [new(ModelComponent.Think, "a", Big), new(ModelComponent.Think, "a", Big)]));
        Assert.Equal("model_rates[1].per_minute_micros", FirstOverflowingField(free, [new(ModelComponent.Listen, "a", Big), new(ModelComponent.Think, "a", Big)]));
        Assert.Equal("per_session_micros", SessionRater.FirstOverflowingField(based with { PerSessionMicros = Big }, Minute));
        Assert.Equal(
            "indicators.b.flat_micros",
            SessionRater.FirstOverflowingField(
                based with { Indicators = new Dictionary<string, IndicatorPrice>(StringComparer.Ordinal) { ["b"] = new(Big), ["a"] = new(1) } },
                Minute));
    }

    [Fact]
    public void Plan_validation_lets_rates_of_two_models_of_one_component_pass_since_no_session_uses_both()
    {
        const long Big = (long.MaxValue / 2) + 1;

        Assert.Null(FirstOverflowingField(Plan() with { MinimumMs = 0 }, [new(ModelComponent.Think, "a", Big), new(ModelComponent.Think, "b", Big)]));
    }

    [Fact]
    public void Plan_validation_counts_the_minimum_when_it_is_longer_than_the_longest_session()
    {
        var plan = Plan() with { PerMinuteMicros = (long.MaxValue / 2) + 1 };

        Assert.Null(SessionRater.FirstOverflowingField(plan with { MinimumMs = 0 }, Minute));
        Assert.Equal("per_minute_micros", SessionRater.FirstOverflowingField(plan with { MinimumMs = 3 * Minute }, Minute));
    }

    [Fact]
    public void Time_charge_is_exact_even_when_rate_times_duration_exceeds_int64()
    {
        // 10^12 micros/min × 10^8 ms = 10^20 > Int64, yet the charge (1.67 × 10^15) fits and must be exact.
        var plan = Plan() with { PerMinuteMicros = 1_000_000_000_000 };

        var rating = SessionRater.Rate(plan, Session(100_000_000));

        Assert.Equal(1_666_666_666_666_667, rating.CostMicros);
    }

    [Fact]
    public void Overflowing_sum_of_flat_fees_names_cost_micros()
    {
        var plan = Plan() with
        {
            PerSessionMicros = long.MaxValue,
            Indicators = new Dictionary<string, IndicatorPrice>(StringComparer.Ordinal) { ["x"] = new(1) },
        };

        Assert.Equal("cost_micros", Assert.Throws<RatingOverflowException>(() => SessionRater.Rate(plan, Session(1, indicators: ["x"]))).Part);
    }

    [Fact]
    public void Negative_amounts_and_durations_are_refused_not_credited()
    {
        Assert.Throws<ArgumentException>(() => SessionRater.Rate(Plan() with { PerMinuteMicros = -1 }, Session(Minute)));
        Assert.Throws<ArgumentException>(() => SessionRater.Rate(
            Plan() with { ModelRates = [new(ModelComponent.Think, "gpt-5", -1)] }, Session(Minute)));
        Assert.Throws<ArgumentOutOfRangeException>(() => SessionRater.Rate(Plan(), Session(-1)));
    }

    private static PlanVersion Plan() => new() { PlanId = "flat", Version = 3, CreatedAtMs = 1_700_000_000_000, Currency = "EUR" };

    private static string? FirstOverflowingField(PlanVersion plan, ModelRate[] modelRates) =>
        SessionRater.FirstOverflowingField(plan with { ModelRates = modelRates }, Minute);

    private static PlanVersion SurchargedPlan() => Plan() with
    {
        PerMinuteMicros = 100_000,
        ModelRates = [new(ModelComponent.Think, "gpt-5", 500_000), new(ModelComponent.Think, "gemini-2.5-flash", 200_000)],
    };

    private static RatingInput Session(long durationMs, string? listen = null, string? think = null, string? speak = null, string[]? indicators = null) =>
        new(durationMs, listen, think, speak, indicators ?? []);
}
