using Microsoft.Extensions.Options;
using Proxy.Admin;

namespace Proxy.Tests.Admin;

public sealed class AdminTokenVerifierTests
{
    private const string First = "0123456789abcdef0123456789abcdef";
    private const string Second = "rotated-token-ZYXWVUTSRQPONMLK";

    private readonly AdminTokenVerifier _verifier = Verifier(First, Second);

    [Theory]
    [InlineData(First)]
    [InlineData(Second)]
    public void Any_configured_token_is_accepted(string presented)
    {
        Assert.True(_verifier.Enabled);
        Assert.True(_verifier.IsValid(presented));
    }

    [Theory]
    [InlineData("0123456789abcdef0123456789abcdeF")]
    [InlineData("0123456789abcdef0123456789abcde")]
    [InlineData("0123456789abcdef0123456789abcdef0")]
    [InlineData(" 0123456789abcdef0123456789abcdef")]
    [InlineData("Bearer 0123456789abcdef0123456789abcdef")]
    [InlineData("something else entirely")]
    public void Any_other_token_is_refused(string presented)
    {
        Assert.False(_verifier.IsValid(presented));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Missing_token_is_refused(string? presented)
    {
        Assert.False(_verifier.IsValid(presented));
    }

    [Fact]
    public void No_configured_token_disables_checking_and_accepts_nothing()
    {
        var verifier = Verifier();

        Assert.False(verifier.Enabled);
        Assert.False(verifier.IsValid(First));
        Assert.False(verifier.IsValid(string.Empty));
    }

    [Fact]
    public void Empty_configured_tokens_are_ignored()
    {
        var verifier = Verifier(string.Empty, string.Empty);

        Assert.False(verifier.Enabled);
        Assert.False(verifier.IsValid(string.Empty));
    }

    [Fact]
    public void Empty_entries_beside_a_real_token_do_not_accept_an_empty_token()
    {
        var verifier = Verifier(string.Empty, First);

        Assert.True(verifier.Enabled);
        Assert.True(verifier.IsValid(First));
        Assert.False(verifier.IsValid(string.Empty));
    }

    private static AdminTokenVerifier Verifier(params string[] tokens) =>
        new(Options.Create(new AdminOptions { Tokens = [.. tokens.Select(AdminTokenEntry.FromPlain)] }));

    [Fact]
    public void A_token_is_known_by_its_name_and_role_never_its_value()
    {
        var verifier = new AdminTokenVerifier(Options.Create(new AdminOptions
        {
            Tokens =
            [
                AdminTokenEntry.FromPlain(First),
                new AdminTokenEntry { Name = "finance", Token = Second, Role = "read" },
                new AdminTokenEntry { Name = "ops", Token = "ops-token-0123456789abc", Role = "Admin" },
            ],
        }));

        Assert.Equal(new AdminIdentity("Admin:Tokens:0", AdminRole.Admin), verifier.Verify(First));
        Assert.Equal(new AdminIdentity("finance", AdminRole.Read), verifier.Verify(Second));
        Assert.Equal(new AdminIdentity("ops", AdminRole.Admin), verifier.Verify("ops-token-0123456789abc"));
        Assert.Null(verifier.Verify("ops-token-0123456789abC"));
        Assert.Null(verifier.Verify(null));
    }
}
