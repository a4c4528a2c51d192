using Microsoft.Extensions.Options;
using Proxy.Hosting;

namespace Proxy.Tests.Hosting;

public sealed class TrustedProxiesOptionsValidatorTests
{
    [Fact]
    public void Defaults_trust_nothing_and_are_accepted()
    {
        var options = new TrustedProxiesOptions();

        Assert.True(Validate(options).Succeeded);
        Assert.False(options.TrustsAny);
    }

    [Fact]
    public void Addresses_and_networks_of_both_families_are_accepted()
    {
        var result = Validate(new TrustedProxiesOptions
        {
            KnownProxies = ["10.0.0.5", " fd00::5 ", "::ffff:10.0.0.6"],
            KnownNetworks = ["10.0.0.0/8", "fd00::/8", "192.168.1.0/24"],
            ForwardLimit = 2,
        });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData("10.0.0.300")]
    [InlineData("10.1")]
    [InlineData("proxy.internal")]
    [InlineData("10.0.0.0/8")]
    [InlineData("")]
    public void A_bad_proxy_address_is_refused_naming_its_key(string value)
    {
        var result = Validate(new TrustedProxiesOptions { KnownProxies = ["10.0.0.5", value] });

        Assert.True(result.Failed);
        Assert.Contains("ForwardedHeaders:KnownProxies:1 ", result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("KnownProxies:0", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.0.0.1/8")]
    [InlineData("10.0.0.0")]
    [InlineData("10.0.0.0/33")]
    [InlineData("10/8")]
    [InlineData("fd00::1/8")]
    [InlineData("everything")]
    public void A_bad_network_is_refused_naming_its_key(string value)
    {
        var result = Validate(new TrustedProxiesOptions { KnownNetworks = [value] });

        Assert.True(result.Failed);
        Assert.Contains("ForwardedHeaders:KnownNetworks:0 ", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_forward_limit_below_one_is_refused_naming_the_key()
    {
        var result = Validate(new TrustedProxiesOptions { ForwardLimit = 0 });

        Assert.True(result.Failed);
        Assert.Contains("ForwardedHeaders:ForwardLimit", result.FailureMessage, StringComparison.Ordinal);
    }

    private static ValidateOptionsResult Validate(TrustedProxiesOptions options) => new TrustedProxiesOptionsValidator().Validate(null, options);
}
