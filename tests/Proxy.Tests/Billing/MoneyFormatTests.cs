using Proxy.Billing;

namespace Proxy.Tests.Billing;

public sealed class MoneyFormatTests
{
    [Theory]
    [InlineData(750_000L, "USD", "0.75 USD")]
    [InlineData(0L, "USD", "0.00 USD")]
    [InlineData(1_234_567_890L, "EUR", "1,234.57 EUR")]
    [InlineData(1_234_565_000L, "EUR", "1,234.57 EUR")]
    [InlineData(1_234_564_999L, "EUR", "1,234.56 EUR")]
    [InlineData(-750_000L, "EUR", "-0.75 EUR")]
    [InlineData(-4_999L, "USD", "0.00 USD")]
    [InlineData(-5_000L, "USD", "-0.01 USD")]
    [InlineData(1_234_500_000L, "JPY", "1,235 JPY")]
    [InlineData(0L, "JPY", "0 JPY")]
    [InlineData(-1_499_999L, "JPY", "-1 JPY")]
    [InlineData(1_234_567L, "KWD", "1.235 KWD")]
    [InlineData(1_234_567L, "CLF", "1.2346 CLF")]
    [InlineData(1_005_000L, "XXY", "1.01 XXY")]
    [InlineData(1_000_000L, null, "1.00")]
    [InlineData(long.MaxValue, "USD", "9,223,372,036,854.78 USD")]
    [InlineData(long.MinValue, "JPY", "-9,223,372,036,855 JPY")]
    public void Micros_are_rounded_half_away_from_zero_to_the_currency_minor_units(long micros, string? currency, string expected)
    {
        Assert.Equal(expected, MoneyFormat.Format(micros, currency));
    }

    [Theory]
    [InlineData("USD", 2)]
    [InlineData("EUR", 2)]
    [InlineData("JPY", 0)]
    [InlineData("KRW", 0)]
    [InlineData("BHD", 3)]
    [InlineData("ZZZ", 2)]
    public void Minor_units_follow_iso_4217_with_2_as_the_default(string currency, int digits)
    {
        Assert.Equal(digits, MoneyFormat.MinorUnits(currency));
    }
}
