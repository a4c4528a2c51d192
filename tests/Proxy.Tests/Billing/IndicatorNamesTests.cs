using Proxy.Billing;

namespace Proxy.Tests.Billing;

public sealed class IndicatorNamesTests
{
    [Theory]
    [InlineData("lead_qualified", true)]
    [InlineData("A.b-9_", true)]
    [InlineData("x", true)]
    [InlineData("", false)]
    [InlineData(null, false)]
    [InlineData("a b", false)]
    [InlineData("a:b", false)]
    [InlineData("a{b}", false)]
    [InlineData("naïve", false)]
    [InlineData("lead\n", false)]
    public void Names_follow_the_id_rule(string? name, bool valid) => Assert.Equal(valid, IndicatorNames.IsValid(name));

    [Fact]
    public void Sixty_four_characters_are_the_most() =>
        Assert.Equal((true, false), (IndicatorNames.IsValid(new string('a', 64)), IndicatorNames.IsValid(new string('a', 65))));
}
