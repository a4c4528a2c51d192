using System.Text.Json;
using Proxy.Billing;

namespace Proxy.Tests.Billing;

public sealed class PlanDocumentValidatorTests
{
    private static PlanDocument Parse(string json) => JsonSerializer.Deserialize(json, PlanJsonContext.Default.PlanDocument)!;

    [Fact]
    public void A_full_body_becomes_the_version_terms()
    {
        var validation = PlanDocumentValidator.Validate("gold", Parse("""
            {"currency":"USD","per_minute_micros":150000,"rounding":"ceil_second","minimum_ms":0,"per_session_micros":20000,
             "model_rates":[{"component":"think","model":"gpt-5","per_minute_micros":500000},
                            {"component":"think","model":"gemini","per_minute_micros":200000},
                            {"component":"speak","model":"gpt-5","per_minute_micros":1}],
             "indicators":{"lead_qualified":{"flat_micros":200000}}}
            """));

        var plan = Assert.IsType<PlanVersion>(validation.Plan);
        Assert.Equal("gold", plan.PlanId);
        Assert.Equal("USD", plan.Currency);
        Assert.Equal(150_000, plan.PerMinuteMicros);
        Assert.Equal(RatingRounding.CeilSecond, plan.Rounding);
        Assert.Equal(0, plan.MinimumMs);
        Assert.Equal(20_000, plan.PerSessionMicros);
        Assert.Equal(
            [new ModelRate(ModelComponent.Think, "gpt-5", 500_000), new ModelRate(ModelComponent.Think, "gemini", 200_000), new ModelRate(ModelComponent.Speak, "gpt-5", 1)],
            plan.ModelRates);
        Assert.Equal(new IndicatorPrice(200_000), plan.Indicators["lead_qualified"]);
    }

    [Fact]
    public void Omitted_fields_take_the_documented_defaults()
    {
        var plan = PlanDocumentValidator.Validate("flat", Parse("""{"currency":"EUR"}""")).Plan!;

        Assert.Equal(RatingRounding.ExactMs, plan.Rounding);
        Assert.Equal(1000, plan.MinimumMs);
        Assert.Equal(0, plan.PerMinuteMicros);
        Assert.Equal(0, plan.PerSessionMicros);
        Assert.Empty(plan.ModelRates);
        Assert.Empty(plan.Indicators);
    }

    [Fact]
    public void A_version_as_answered_can_be_put_back_and_means_the_same()
    {
        var original = PlanDocumentValidator.Validate("gold", Parse("""{"currency":"USD","per_minute_micros":7,"model_rates":[{"component":"listen","model":"nova-3","per_minute_micros":3}],"indicators":{"x":{}}}""")).Plan!
            with { Version = 4, CreatedAtMs = 1_765_000_000_000 };
        var answered = JsonSerializer.Serialize(PlanDocument.From(original), PlanJsonContext.Default.PlanDocument);

        var again = PlanDocumentValidator.Validate("gold", Parse(answered)).Plan!;

        Assert.Contains("\"plan_id\":\"gold\",\"version\":4,\"created_at_ms\":1765000000000", answered, StringComparison.Ordinal);
        Assert.Equal(original.ModelRates, again.ModelRates);
        Assert.Equal(original.Indicators, again.Indicators);
        Assert.Equal(original with { Version = 0, CreatedAtMs = 0, ModelRates = again.ModelRates, Indicators = again.Indicators }, again);
    }

    [Theory]
    [InlineData("{}", "currency")]
    [InlineData("""{"currency":"usd"}""", "currency")]
    [InlineData("""{"currency":"XYZ"}""", "currency")]
    [InlineData("""{"currency":"USD","plan_id":"silver"}""", "plan_id")]
    [InlineData("""{"currency":"USD","rounding":"ceil_hour"}""", "rounding")]
    [InlineData("""{"currency":"USD","per_minute_micros":-1}""", "per_minute_micros")]
    [InlineData("""{"currency":"USD","per_session_micros":-1}""", "per_session_micros")]
    [InlineData("""{"currency":"USD","minimum_ms":-1}""", "minimum_ms")]
    [InlineData("""{"currency":"USD","minimum_ms":86400001}""", "minimum_ms")]
    [InlineData("""{"currency":"USD","model_rates":[null]}""", "model_rates[0]")]
    [InlineData("""{"currency":"USD","model_rates":[{"component":"hear","model":"nova-3"}]}""", "model_rates[0].component")]
    [InlineData("""{"currency":"USD","model_rates":[{"model":"nova-3"}]}""", "model_rates[0].component")]
    [InlineData("""{"currency":"USD","model_rates":[{"component":"listen"}]}""", "model_rates[0].model")]
    [InlineData("""{"currency":"USD","model_rates":[{"component":"listen","model":""}]}""", "model_rates[0].model")]
    [InlineData("""{"currency":"USD","model_rates":[{"component":"listen","model":"nova-3","per_minute_micros":-5}]}""", "model_rates[0].per_minute_micros")]
    [InlineData("""{"currency":"USD","model_rates":[{"component":"think","model":"a"},{"component":"speak","model":"a"},{"component":"think","model":"a"}]}""", "model_rates[2]")]
    [InlineData("""{"currency":"USD","indicators":{"lead":null}}""", "indicators.lead")]
    [InlineData("""{"currency":"USD","indicators":{"lead":{"flat_micros":-1}}}""", "indicators.lead.flat_micros")]
    [InlineData("""{"currency":"USD","indicators":{"":{"flat_micros":1}}}""", "indicators")]
    public void Each_bad_field_is_named(string json, string field)
    {
        var validation = PlanDocumentValidator.Validate("gold", Parse(json));

        Assert.Null(validation.Plan);
        Assert.Equal(field, validation.Field);
        Assert.Contains(field, validation.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bad{id}")]
    [InlineData("")]
    [InlineData("a:b")]
    public void A_plan_id_follows_the_customer_id_rule(string planId) =>
        Assert.Equal("plan_id", PlanDocumentValidator.Validate(planId, Parse("""{"currency":"USD"}""")).Field);

    [Fact]
    public void The_largest_rate_a_day_of_rating_can_multiply_is_accepted_and_one_more_is_not()
    {
        var largest = long.MaxValue / PlanDocumentValidator.MaxRatedMs;

        Assert.NotNull(PlanDocumentValidator.Validate("p", new PlanDocument { Currency = "USD", PerMinuteMicros = largest }).Plan);
        Assert.Equal("per_minute_micros", PlanDocumentValidator.Validate("p", new PlanDocument { Currency = "USD", PerMinuteMicros = largest + 1 }).Field);
    }

    [Fact]
    public void Model_rates_that_together_overflow_a_day_name_the_one_that_tipped_it()
    {
        var half = (long.MaxValue / PlanDocumentValidator.MaxRatedMs / 2) + 1;
        var document = new PlanDocument
        {
            Currency = "USD",
            ModelRates = [new ModelRateDocument("think", "a", half), new ModelRateDocument("think", "b", long.MaxValue), new ModelRateDocument("think", "c", half)],
        };

        Assert.Equal("model_rates[1].per_minute_micros", PlanDocumentValidator.Validate("p", document).Field);
        Assert.Equal("model_rates[2].per_minute_micros", PlanDocumentValidator.Validate("p", document with { ModelRates = [document.ModelRates[0], new ModelRateDocument("think", "b", 1), document.ModelRates[2]] }).Field);
    }

    [Fact]
    public void Fees_that_overflow_with_a_day_of_the_rate_name_the_fee_that_tipped_it()
    {
        var rate = long.MaxValue / PlanDocumentValidator.MaxRatedMs;
        var dayCost = rate * 1440;
        var room = long.MaxValue - dayCost;

        Assert.NotNull(PlanDocumentValidator.Validate("p", new PlanDocument { Currency = "USD", PerMinuteMicros = rate, PerSessionMicros = room }).Plan);
        Assert.Equal("per_session_micros", PlanDocumentValidator.Validate("p", new PlanDocument { Currency = "USD", PerMinuteMicros = rate, PerSessionMicros = room + 1 }).Field);
        var indicators = new Dictionary<string, IndicatorPriceDocument?> { ["won"] = new(room) };
        Assert.Equal("indicators.won.flat_micros", PlanDocumentValidator.Validate("p", new PlanDocument
        {
            Currency = "USD", PerMinuteMicros = rate, PerSessionMicros = 1, Indicators = indicators,
        }).Field);
    }

    [Fact]
    public void Unknown_fields_and_fractions_are_refused_by_the_contract_with_their_path()
    {
        var unknown = Assert.Throws<JsonException>(() => Parse("""{"currency":"USD","per_minute":1}"""));
        var fraction = Assert.Throws<JsonException>(() => Parse("""{"currency":"USD","model_rates":[{"component":"think","model":"a","per_minute_micros":1.5}]}"""));

        Assert.Contains("per_minute", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("per_minute_micros", fraction.Message, StringComparison.Ordinal);
    }
}
