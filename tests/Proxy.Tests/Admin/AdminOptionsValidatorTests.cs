using Microsoft.Extensions.Options;
using Proxy.Admin;
using Proxy.Tests.TestSupport;

namespace Proxy.Tests.Admin;

public sealed class AdminOptionsValidatorTests
{
    private const string GoodToken = "0123456789abcdef0123456789abcdef";

    [Fact]
    public void No_tokens_are_refused_outside_development_naming_the_key()
    {
        var result = Validate(FakeHostEnvironment.Production);

        Assert.True(result.Failed);
        Assert.Contains("Admin:Tokens", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_empty_tokens_count_as_none()
    {
        Assert.True(Validate(FakeHostEnvironment.Production, string.Empty, string.Empty).Failed);
    }

    [Fact]
    public void No_tokens_are_accepted_in_development()
    {
        Assert.True(Validate(FakeHostEnvironment.Development).Succeeded);
    }

    [Fact]
    public void Staging_is_not_development()
    {
        Assert.True(Validate(new FakeHostEnvironment("Staging")).Failed);
    }

    [Fact]
    public void Long_tokens_without_whitespace_are_accepted()
    {
        Assert.True(Validate(FakeHostEnvironment.Production, GoodToken, "another-16-chars").Succeeded);
    }

    [Theory]
    [InlineData("short")]
    [InlineData("fifteen-chars-x")]
    [InlineData("has a space in the middle")]
    [InlineData("0123456789abcdef\t")]
    [InlineData("0123456789abcdef\n")]
    public void Short_or_whitespace_tokens_are_refused_naming_the_key(string token)
    {
        foreach (var environment in new[] { FakeHostEnvironment.Production, FakeHostEnvironment.Development })
        {
            var result = Validate(environment, GoodToken, token);

            Assert.True(result.Failed);
            Assert.Contains("Admin:Tokens", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    private static ValidateOptionsResult Validate(FakeHostEnvironment environment, params string[] tokens) =>
        new AdminOptionsValidator(environment).Validate(null, new AdminOptions { Tokens = tokens });
}
