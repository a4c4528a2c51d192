using Proxy.Admin;

namespace Proxy.Tests.Admin;

public sealed class CustomerCursorTests
{
    [Theory]
    [InlineData("acme")]
    [InlineData("a.b_c-9")]
    [InlineData("x")]
    public void A_cursor_reads_back_as_it_was_given_out(string customerId)
    {
        var cursor = new CustomerCursor(customerId);
        Assert.True(CustomerCursor.TryParse(cursor.ToString(), out var back));
        Assert.Equal(cursor, back);
        Assert.DoesNotContain('=', cursor.ToString());
        Assert.NotEqual(customerId, cursor.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not base64!")]
    [InlineData("e2FjbWV9")] // "{acme}": not a customer id
    [InlineData("YSBi")] // "a b"
    public void Anything_the_api_did_not_give_out_is_refused(string? text) => Assert.False(CustomerCursor.TryParse(text, out _));

    [Fact]
    public void An_overlong_cursor_is_refused_before_it_is_decoded() =>
        Assert.False(CustomerCursor.TryParse(new string('Y', 129), out _));
}
