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
        new AdminOptionsValidator(environment).Validate(null, new AdminOptions { Tokens = [.. tokens.Select(AdminTokenEntry.FromPlain)] });

    [Fact]
    public void Named_tokens_with_roles_are_accepted_beside_plain_ones()
    {
        var result = ValidateEntries(FakeHostEnvironment.Production, FromPlain(GoodToken), Named("finance", "finance-token-0123456789", "read"), Named("ops", "ops-token-0123456789abc", "ADMIN"));

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("reader")]
    [InlineData("1")]
    public void A_named_token_without_a_known_role_is_refused_naming_it(string? role)
    {
        var result = ValidateEntries(FakeHostEnvironment.Production, Named("finance", "finance-token-0123456789", role));

        Assert.True(result.Failed);
        Assert.Contains("'finance' needs a Role", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Names_must_be_unique_whatever_their_case()
    {
        var result = ValidateEntries(FakeHostEnvironment.Production, Named("finance", "finance-token-0123456789", "read"), Named("Finance", "another-token-0123456789", "admin"));

        Assert.True(result.Failed);
        Assert.Contains("names must be unique", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_named_entry_without_a_token_is_refused_even_in_development()
    {
        foreach (var environment in new[] { FakeHostEnvironment.Production, FakeHostEnvironment.Development })
        {
            var result = ValidateEntries(environment, FromPlain(GoodToken), Named("finance", "", "read"));

            Assert.True(result.Failed);
            Assert.Contains("Admin:Tokens:1 has no Token", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_named_token_is_held_to_the_same_length_rule_without_showing_it()
    {
        var result = ValidateEntries(FakeHostEnvironment.Production, Named("finance", "short-secret", "read"));

        Assert.True(result.Failed);
        Assert.Contains("at least 16 characters", result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("short-secret", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_token_twice_is_refused_without_showing_it()
    {
        var result = ValidateEntries(FakeHostEnvironment.Production, FromPlain(GoodToken), Named("finance", GoodToken, "read"));

        Assert.True(result.Failed);
        Assert.Contains("same token", result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain(GoodToken, result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void The_audit_cap_must_be_positive(int cap)
    {
        var result = new AdminOptionsValidator(FakeHostEnvironment.Production).Validate(null, new AdminOptions { Tokens = [FromPlain(GoodToken)], AuditMaxEntries = cap });

        Assert.True(result.Failed);
        Assert.Contains("Admin:AuditMaxEntries", result.FailureMessage, StringComparison.Ordinal);
    }

    private static AdminTokenEntry FromPlain(string token) => AdminTokenEntry.FromPlain(token);

    private static AdminTokenEntry Named(string name, string token, string? role) => new() { Name = name, Token = token, Role = role };

    private static ValidateOptionsResult ValidateEntries(FakeHostEnvironment environment, params AdminTokenEntry[] tokens) =>
        new AdminOptionsValidator(environment).Validate(null, new AdminOptions { Tokens = tokens });
}
