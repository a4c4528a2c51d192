using Proxy.Billing;

namespace Proxy.Tests.Billing;

public sealed class LiveSessionCostTests
{
    private const long Minute = 60_000;

    [Fact]
    public void Running_cost_is_the_fee_plus_the_time_so_far_and_within_the_lead_the_time_after_it()
    {
        // 60,000 micros a minute = 1,000 a second, exact to the ms.
        var plan = Plan() with { PerSessionMicros = 500, PerMinuteMicros = 60_000 };

        var cost = LiveSessionCost.Of(plan, elapsedMs: 2_500, leadMs: 1_000, null, null, null);

        Assert.Equal(new LiveSessionCost(500 + 2_500, 500 + 3_500), cost);
    }

    [Fact]
    public void The_surcharge_of_a_model_the_session_named_is_included()
    {
        var plan = Plan() with { PerMinuteMicros = 60_000, ModelRates = [new(ModelComponent.Think, "gpt-5", 120_000)] };

        Assert.Equal(3_000, LiveSessionCost.Of(plan, 1_000, 0, null, "gpt-5", null).NowMicros);
        Assert.Equal(1_000, LiveSessionCost.Of(plan, 1_000, 0, null, "gpt-4o-mini", null).NowMicros);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(59_999)]
    [InlineData(60_001)]
    [InlineData(7_000_123)]
    public void Without_a_lead_the_running_cost_is_what_the_final_record_of_that_length_is_charged(long elapsedMs)
    {
        var plan = Plan() with
        {
            PerSessionMicros = 7,
            PerMinuteMicros = 150_001,
            MinimumMs = 30_000,
            Rounding = RatingRounding.CeilSecond,
            ModelRates = [new(ModelComponent.Speak, "aura-2", 33_333)],
        };

        var cost = LiveSessionCost.Of(plan, elapsedMs, 0, "nova-3", null, "aura-2");

        var final = SessionRater.Rate(plan, new RatingInput(elapsedMs, "nova-3", null, "aura-2", [])).CostMicros;
        Assert.Equal(new LiveSessionCost(final, final), cost);
    }

    [Fact]
    public void Per_minute_rounding_charges_the_whole_first_minute_at_once()
    {
        var plan = Plan() with { PerMinuteMicros = 150_000, Rounding = RatingRounding.CeilMinute };

        Assert.Equal(new LiveSessionCost(150_000, 300_000), LiveSessionCost.Of(plan, 1, Minute, null, null, null));
    }

    [Fact]
    public void A_price_beyond_int64_is_the_largest_value_rather_than_an_error_or_a_wrap()
    {
        var plan = Plan() with { PerMinuteMicros = long.MaxValue / 2 };

        Assert.Equal(new LiveSessionCost(long.MaxValue / 2, long.MaxValue - 1), LiveSessionCost.Of(plan, Minute, Minute, null, null, null));
        Assert.Equal(new LiveSessionCost(long.MaxValue, long.MaxValue), LiveSessionCost.Of(plan, 3 * Minute, 0, null, null, null));
    }

    [Fact]
    public void A_negative_elapsed_time_or_lead_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => LiveSessionCost.Of(Plan(), -1, 0, null, null, null));
        Assert.Throws<ArgumentOutOfRangeException>(() => LiveSessionCost.Of(Plan(), 0, -1, null, null, null));
    }

    private static PlanVersion Plan() => new() { PlanId = "live", Version = 1, CreatedAtMs = 1_700_000_000_000, Currency = "USD" };
}
