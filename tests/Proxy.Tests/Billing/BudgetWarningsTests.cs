using Proxy.Billing;

namespace Proxy.Tests.Billing;

public sealed class BudgetWarningsTests
{
    [Theory]
    [InlineData(79, 100, false)]
    [InlineData(80, 100, true)]
    [InlineData(0, 0, false)]
    [InlineData(7, 10, false)]
    [InlineData(8, 10, true)]
    [InlineData(long.MaxValue, long.MaxValue, true)]
    public void The_warning_threshold_is_80_percent_in_whole_numbers_without_overflow(long spent, long budget, bool reached) =>
        Assert.Equal(reached, BudgetWarnings.Reached(spent, budget));

    [Fact]
    public void A_budget_is_warned_about_once_per_month()
    {
        var warnings = new BudgetWarnings();
        Assert.True(warnings.TryFirst("customer", "acme", "2026-12"));
        Assert.False(warnings.TryFirst("customer", "acme", "2026-12"));
        Assert.True(warnings.TryFirst("key", "acme", "2026-12"));
        Assert.True(warnings.TryFirst("customer", "acme", "2027-01"));
    }
}
