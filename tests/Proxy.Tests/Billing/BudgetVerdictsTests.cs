using Proxy.Billing;

namespace Proxy.Tests.Billing;

public sealed class BudgetVerdictsTests
{
    [Theory]
    [InlineData(0, 10, 20, "None")]
    [InlineData(-5, 10, 20, "None")]
    [InlineData(100, 10, 99, "None")]
    [InlineData(100, 10, 100, "Warn")]
    [InlineData(100, 99, 150, "Warn")]
    [InlineData(100, 100, 100, "Close")]
    [InlineData(100, long.MaxValue, long.MaxValue, "Close")]
    public void Warns_when_the_spend_within_the_lead_reaches_the_budget_and_closes_when_the_spend_does(long budget, long now, long withinLead, string expected) =>
        Assert.Equal(Enum.Parse<BudgetVerdict>(expected), BudgetVerdicts.Judge(budget, new SpentSoFar(now, withinLead)));
}
