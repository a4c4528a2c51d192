using Proxy.Billing;

namespace Proxy.Tests.Billing;

public sealed class DeepgramOptionsValidatorTests
{
    [Fact]
    public void Unset_is_valid_and_not_configured()
    {
        var options = new DeepgramOptions();

        Assert.True(new DeepgramOptionsValidator().Validate(null, options).Succeeded);
        Assert.False(options.IsConfigured);
        Assert.Equal(new Uri("https://api.deepgram.com"), options.ApiUrl);
    }

    [Fact]
    public void Project_and_key_together_are_configured()
    {
        var options = new DeepgramOptions { ProjectId = "p", ManagementKey = "k" };

        Assert.True(new DeepgramOptionsValidator().Validate(null, options).Succeeded);
        Assert.True(options.IsConfigured);
    }

    [Theory]
    [InlineData("p", null, "go together")]
    [InlineData(null, "k", "go together")]
    public void One_without_the_other_is_refused_naming_both_keys(string? project, string? key, string message)
    {
        var result = new DeepgramOptionsValidator().Validate(null, new DeepgramOptions { ProjectId = project, ManagementKey = key });

        Assert.True(result.Failed);
        Assert.Contains("Deepgram:ProjectId", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains(message, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void An_api_url_that_is_not_http_is_refused()
    {
        var result = new DeepgramOptionsValidator().Validate(null, new DeepgramOptions { ApiUrl = new Uri("ftp://dg.test") });

        Assert.True(result.Failed);
        Assert.Contains("Deepgram:ApiUrl", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Provisioned_keys_may_make_api_requests_unless_scopes_are_configured()
    {
        Assert.Equal(["usage:write"], new DeepgramOptions().EffectiveKeyScopes);
        Assert.Equal(["member"], new DeepgramOptions { KeyScopes = ["member"] }.EffectiveKeyScopes);
        Assert.Equal(["usage:write"], new DeepgramOptions { KeyScopes = [] }.EffectiveKeyScopes);
    }

    [Theory]
    [InlineData("KeyScopes", "Deepgram:KeyScopes must not contain empty scopes")]
    [InlineData("KeyRetirementInterval", "Deepgram:KeyRetirementInterval must be between 100 ms and 1 hour")]
    [InlineData("KeyRetirementGrace", "Deepgram:KeyRetirementGrace must be between 0 and 1 day")]
    public void Key_provisioning_settings_out_of_range_are_refused_naming_the_key(string setting, string message)
    {
        var options = new DeepgramOptions();
        switch (setting)
        {
            case "KeyScopes": options.KeyScopes = ["usage:write", " "]; break;
            case "KeyRetirementInterval": options.KeyRetirementInterval = TimeSpan.FromMilliseconds(10); break;
            default: options.KeyRetirementGrace = TimeSpan.FromSeconds(-1); break;
        }

        var result = new DeepgramOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(message, result.FailureMessage, StringComparison.Ordinal);
    }
}
