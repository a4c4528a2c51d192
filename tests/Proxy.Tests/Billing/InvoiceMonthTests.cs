using Proxy.Billing;

namespace Proxy.Tests.Billing;

public sealed class InvoiceMonthTests
{
    [Theory]
    [InlineData("2026-11", 2026, 11)]
    [InlineData("0001-01", 1, 1)]
    [InlineData("2026-12", 2026, 12)]
    public void Yyyy_mm_is_the_month(string text, int year, int month)
    {
        Assert.True(InvoiceMonth.TryParse(text, out var parsed));
        Assert.Equal(new DateOnly(year, month, 1), parsed.FirstDay);
        Assert.Equal(text, parsed.ToString());
    }

    [Theory]
    [InlineData("2026-13")]
    [InlineData("2026-00")]
    [InlineData("2026-1")]
    [InlineData("26-11")]
    [InlineData("2026/11")]
    [InlineData("2026-11-01")]
    [InlineData(" 2026-11")]
    [InlineData("+026-11")]
    [InlineData("２０２６-11")]
    [InlineData("")]
    public void Anything_else_is_not_a_month(string text)
    {
        Assert.False(InvoiceMonth.TryParse(text, out _));
    }

    [Fact]
    public void The_month_ends_at_the_first_instant_of_the_next_one_in_utc()
    {
        Assert.True(InvoiceMonth.TryParse("2026-12", out var december));
        Assert.Equal(new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(), december.EndUnixMs);
    }

    [Fact]
    public void The_last_month_a_date_can_name_never_ends()
    {
        // 9999-12 has no next month to start: its end used to throw ArgumentOutOfRangeException, so finalizing it was a
        // 500 instead of the 409 month_open every other month that has not ended gets.
        Assert.True(InvoiceMonth.TryParse("9999-12", out var last));
        Assert.Equal(long.MaxValue, last.EndUnixMs);
    }
}
