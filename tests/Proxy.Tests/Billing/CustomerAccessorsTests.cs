using Proxy.Billing;
using Proxy.Customers;

namespace Proxy.Tests.Billing;

public sealed class CustomerAccessorsTests
{
    private static readonly ReconciliationPeriod Period = new(1_000_000, 2_000_000);

    [Fact]
    public void The_keys_in_force_during_the_period_are_its_accessors_when_they_cover_it()
    {
        DeepgramKeyPeriod[] history =
        [
            new("retired-long-ago", 0, 500_000),
            new("first", 500_000, 1_500_000),
            new("current", 1_500_000, null),
        ];

        Assert.Equal(["first", "current"], CustomerAccessors.For(history, Period, afterRetirementMs: 60_000));
    }

    [Fact]
    public void A_key_counts_a_little_past_its_retirement()
    {
        DeepgramKeyPeriod[] history = [new("old", 0, 990_000), new("new", 990_000, null)];

        Assert.Equal(["old", "new"], CustomerAccessors.For(history, Period, afterRetirementMs: 60_000));
        Assert.Equal(["new"], CustomerAccessors.For(history, Period, afterRetirementMs: 0));
    }

    [Fact]
    public void A_stretch_without_an_own_key_means_the_unfiltered_list()
    {
        Assert.Null(CustomerAccessors.For([new("late", 1_200_000, null)], Period, 60_000));
        Assert.Null(CustomerAccessors.For([new("removed", 0, 1_200_000)], Period, 60_000));
        Assert.Null(CustomerAccessors.For([new("a", 0, 1_100_000), new("b", 1_300_000, null)], Period, 60_000));
        Assert.Null(CustomerAccessors.For([], Period, 60_000));
    }
}
