using Microsoft.Extensions.Options;
using Proxy.Gateway;
using Proxy.Tunnel;

namespace Proxy.Tests.Gateway;

public sealed class LimitsOptionsValidatorTests
{
    [Fact]
    public void Defaults_are_accepted()
    {
        Assert.True(Validate(new LimitsOptions()).Succeeded);
    }

    [Fact]
    public void A_limiter_table_without_room_is_refused_naming_the_key()
    {
        var result = Validate(new LimitsOptions { AuthFailureMaxTrackedAddresses = 0 });

        Assert.True(result.Failed);
        Assert.Contains("Limits:AuthFailureMaxTrackedAddresses", result.FailureMessage, StringComparison.Ordinal);
    }

    private static ValidateOptionsResult Validate(LimitsOptions options) => new LimitsOptionsValidator().Validate(null, options);
}
