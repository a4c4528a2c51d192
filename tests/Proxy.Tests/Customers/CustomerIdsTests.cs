using Proxy.Customers;

namespace Proxy.Tests.Customers;

public sealed class CustomerIdsTests
{
    [Theory]
    [InlineData("acme")]
    [InlineData("a")]
    [InlineData("A.b_c-9")]
    [InlineData("0123456789012345678901234567890123456789012345678901234567890123")]
    public void Letters_digits_dot_underscore_and_dash_up_to_64_are_valid(string id)
    {
        Assert.True(CustomerIds.IsValid(id));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("01234567890123456789012345678901234567890123456789012345678901234")]
    [InlineData("ac me")]
    [InlineData("{acme}")]
    [InlineData("ac}me")]
    [InlineData("acme:prod")]
    [InlineData("acme/prod")]
    [InlineData("acmé")]
    [InlineData("acme*")]
    [InlineData(" acme")]
    [InlineData("acme\t")]
    public void Anything_else_is_invalid(string? id)
    {
        Assert.False(CustomerIds.IsValid(id));
    }

    [Fact]
    public void Trailing_newline_is_invalid()
    {
        Assert.False(CustomerIds.IsValid("acme\n"));
    }
}
