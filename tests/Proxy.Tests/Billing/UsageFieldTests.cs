using Proxy.Billing;

namespace Proxy.Tests.Billing;

public sealed class UsageFieldTests
{
    [Theory]
    [InlineData("sessions")]
    [InlineData("duration_ms")]
    [InlineData("billable_ms")]
    [InlineData("rated_ms")]
    [InlineData("cost_micros")]
    public void Day_sums_are_read_as_they_are(string name)
    {
        Assert.True(UsageField.TryParse(name, out var field));
        Assert.Equal(new UsageField(UsageFieldScope.Day, name), field);
    }

    [Theory]
    [InlineData("key:k_1:sessions", "k_1", "sessions")]
    [InlineData("key:k_1:cost_micros", "k_1", "cost_micros")]
    [InlineData("key:odd:id:rated_ms", "odd:id", "rated_ms")]
    public void A_key_field_ends_its_key_id_at_the_last_colon(string name, string keyId, string measure)
    {
        Assert.True(UsageField.TryParse(name, out var field));
        Assert.Equal(new UsageField(UsageFieldScope.Key, measure, KeyId: keyId), field);
    }

    [Theory]
    [InlineData("model:think:gpt-5:sessions", "think", "gpt-5", "sessions")]
    [InlineData("model:speak:aura-2-thalia-en:surcharge_micros", "speak", "aura-2-thalia-en", "surcharge_micros")]
    [InlineData("model:think:gpt-4o:2024:cost_micros", "think", "gpt-4o:2024", "cost_micros")]
    [InlineData("model:listen:a:b:c:duration_ms", "listen", "a:b:c", "duration_ms")]
    [InlineData("model:think:\"x, y\":billable_ms", "think", "\"x, y\"", "billable_ms")]
    public void A_model_field_splits_the_component_at_the_first_colon_and_the_measure_at_the_last(string name, string component, string model, string measure)
    {
        Assert.True(UsageField.TryParse(name, out var field));
        Assert.Equal(new UsageField(UsageFieldScope.Model, measure, Component: component, Model: model), field);
    }

    [Theory]
    [InlineData("currency")]
    [InlineData("surcharge_micros")]
    [InlineData("key:k_1:surcharge_micros")]
    [InlineData("key:sessions")]
    [InlineData("model:think:sessions")]
    [InlineData("model::gpt-5:sessions")]
    [InlineData("model:sessions")]
    [InlineData("model:think:gpt-5:audio_ms")]
    [InlineData("plan:gold:3:sessions")]
    [InlineData("plan:gold:3:base_micros")]
    [InlineData("indicator:lead_qualified:count")]
    [InlineData("Sessions")]
    [InlineData("")]
    public void Fields_that_are_not_a_row_sum_are_skipped(string name)
    {
        Assert.False(UsageField.TryParse(name, out _));
    }
}
