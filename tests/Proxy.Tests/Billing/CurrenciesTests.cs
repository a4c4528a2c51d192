using Proxy.Billing;

namespace Proxy.Tests.Billing;

public sealed class CurrenciesTests
{
    [Theory]
    [InlineData("USD")]
    [InlineData("EUR")]
    [InlineData("JPY")]
    [InlineData("CHF")]
    [InlineData("XCG")]
    [InlineData("ZWG")]
    [InlineData("SLE")]
    [InlineData("XDR")]
    public void Active_codes_are_known(string code)
    {
        Assert.True(Currencies.IsKnown(code));
    }

    [Theory]
    [InlineData("usd")]
    [InlineData("Usd")]
    [InlineData("US")]
    [InlineData("USDT")]
    [InlineData(" USD")]
    [InlineData("")]
    [InlineData("ABC")]
    [InlineData("BTC")]
    [InlineData("HRK")]
    [InlineData("ANG")]
    [InlineData(null)]
    public void Lowercase_malformed_invented_and_withdrawn_codes_are_not(string? code)
    {
        Assert.False(Currencies.IsKnown(code));
    }

    [Fact]
    public void Every_code_is_three_uppercase_ascii_letters()
    {
        Assert.InRange(Currencies.All.Count, 170, 190);
        Assert.All(Currencies.All, code => Assert.Matches("^[A-Z]{3}$", code));
    }
}
