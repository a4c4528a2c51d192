using Microsoft.Extensions.Options;
using Proxy.Customers;
using Proxy.Tests.TestSupport;

namespace Proxy.Tests.Customers;

public sealed class SecretsOptionsValidatorTests
{
    private static readonly string GoodKey = Convert.ToBase64String(new byte[32]);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Missing_master_key_is_refused_outside_development_naming_the_key(string? masterKey)
    {
        var result = Validate(FakeHostEnvironment.Production, masterKey);

        Assert.True(result.Failed);
        Assert.Contains("Secrets:MasterKey", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_master_key_is_accepted_in_development()
    {
        Assert.True(Validate(FakeHostEnvironment.Development, null).Succeeded);
    }

    [Fact]
    public void Base64_of_32_bytes_is_accepted()
    {
        Assert.True(Validate(FakeHostEnvironment.Production, GoodKey).Succeeded);
    }

    [Theory]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAA==")]
    [InlineData("not base64")]
    [InlineData("   ")]
    public void Malformed_master_key_is_refused_even_in_development(string masterKey)
    {
        foreach (var environment in new[] { FakeHostEnvironment.Production, FakeHostEnvironment.Development })
        {
            var result = Validate(environment, masterKey);

            Assert.True(result.Failed);
            Assert.Contains("Secrets:MasterKey", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Previous_master_keys_of_32_bytes_are_accepted()
    {
        var options = new SecretsOptions { MasterKey = GoodKey, PreviousMasterKeys = [Convert.ToBase64String(new byte[32]), " " + GoodKey + "\n"] };

        Assert.True(new SecretsOptionsValidator(FakeHostEnvironment.Production).Validate(null, options).Succeeded);
    }

    [Fact]
    public void A_malformed_previous_master_key_is_refused_naming_its_index()
    {
        var options = new SecretsOptions { MasterKey = GoodKey, PreviousMasterKeys = [GoodKey, "AAAAAAAAAAAAAAAAAAAAAA==", "not base64", string.Empty] };

        var result = new SecretsOptionsValidator(FakeHostEnvironment.Development).Validate(null, options);

        Assert.True(result.Failed);
        Assert.DoesNotContain("Secrets:PreviousMasterKeys:0", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Secrets:PreviousMasterKeys:1", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Secrets:PreviousMasterKeys:2", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Secrets:PreviousMasterKeys:3", result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("not base64", result.FailureMessage, StringComparison.Ordinal);
    }

    private static ValidateOptionsResult Validate(FakeHostEnvironment environment, string? masterKey) =>
        new SecretsOptionsValidator(environment).Validate(null, new SecretsOptions { MasterKey = masterKey });
}
