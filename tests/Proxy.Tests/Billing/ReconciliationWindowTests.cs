using Proxy.Billing;

namespace Proxy.Tests.Billing;

public sealed class ReconciliationWindowTests
{
    private const long Now = 1_796_083_200_000;
    private static readonly TimeSpan Every = TimeSpan.FromHours(1);
    private static readonly TimeSpan Lag = TimeSpan.FromMinutes(15);

    [Fact]
    public void The_first_window_is_one_interval_ending_the_lag_before_now()
    {
        Assert.Equal(new ReconciliationPeriod(Now - 75 * 60_000, Now - 15 * 60_000), ReconciliationWindow.Next(null, Now, Every, Lag));
    }

    [Fact]
    public void A_later_window_starts_where_the_last_ended_whatever_its_length()
    {
        Assert.Equal(new ReconciliationPeriod(Now - 20 * 60_000, Now - 15 * 60_000), ReconciliationWindow.Next(Now - 20 * 60_000, Now, Every, Lag));
    }

    [Fact]
    public void Nothing_is_due_while_the_last_window_ends_at_or_after_now_minus_the_lag()
    {
        Assert.Null(ReconciliationWindow.Next(Now - 15 * 60_000, Now, Every, Lag));
        Assert.Null(ReconciliationWindow.Next(Now, Now, Every, Lag));
    }

    [Fact]
    public void A_long_stop_is_caught_up_31_days_per_window()
    {
        var lastEnd = Now - (long)TimeSpan.FromDays(40).TotalMilliseconds;

        var window = ReconciliationWindow.Next(lastEnd, Now, Every, Lag)!;

        Assert.Equal(lastEnd, window.FromMs);
        Assert.Equal(lastEnd + (long)TimeSpan.FromDays(31).TotalMilliseconds, window.ToMs);
    }
}
