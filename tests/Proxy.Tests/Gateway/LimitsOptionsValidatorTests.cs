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

    [Fact]
    public void A_negative_cap_per_deepgram_key_is_refused_naming_the_key()
    {
        var result = Validate(new LimitsOptions { MaxSessionsPerUpstreamKey = -1 });

        Assert.True(result.Failed);
        Assert.Contains("Limits:MaxSessionsPerUpstreamKey must be 0 (no cap) or more (got -1).", result.FailureMessage, StringComparison.Ordinal);
        Assert.True(Validate(new LimitsOptions { MaxSessionsPerUpstreamKey = 0 }).Succeeded);
    }

    private static ValidateOptionsResult Validate(LimitsOptions options) => new LimitsOptionsValidator().Validate(null, options);
}
