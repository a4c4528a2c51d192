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

    [Fact]
    public void The_retry_and_schedule_defaults_are_valid_and_the_schedule_runs_only_when_configured()
    {
        var options = new DeepgramOptions();

        Assert.Equal(4, options.MaxAttempts);
        Assert.Equal(TimeSpan.FromSeconds(30), options.RetryBudget);
        Assert.Equal(TimeSpan.FromHours(1), options.ReconcileEvery);
        Assert.Equal(TimeSpan.FromMinutes(15), options.ReconcileLag);
        Assert.False(options.IsScheduled);
        Assert.True(new DeepgramOptions { ProjectId = "p", ManagementKey = "k" }.IsScheduled);
        Assert.False(new DeepgramOptions { ProjectId = "p", ManagementKey = "k", ReconcileEvery = TimeSpan.Zero }.IsScheduled);
    }

    [Theory]
    [InlineData("MaxAttempts", "0")]
    [InlineData("MaxAttempts", "11")]
    [InlineData("RetryBudget", "-00:00:01")]
    [InlineData("RetryBudget", "00:10:01")]
    [InlineData("RequestTimeout", "00:00:00")]
    [InlineData("ReconcileEvery", "00:00:00.500")]
    [InlineData("ReconcileEvery", "32.00:00:00")]
    [InlineData("ReconcileLag", "-00:00:01")]
    [InlineData("ReconcileLag", "1.00:00:01")]
    public void A_retry_or_schedule_setting_out_of_range_is_refused_naming_its_key(string key, string value)
    {
        var options = new DeepgramOptions();
        var property = typeof(DeepgramOptions).GetProperty(key)!;
        property.SetValue(options, property.PropertyType == typeof(int)
            ? int.Parse(value, System.Globalization.CultureInfo.InvariantCulture)
            : TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture));

        var result = new DeepgramOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains($"Deepgram:{key} must be", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_schedule_of_zero_is_off_and_valid()
    {
        Assert.True(new DeepgramOptionsValidator().Validate(null, new DeepgramOptions { ReconcileEvery = TimeSpan.Zero, ReconcileLag = TimeSpan.Zero }).Succeeded);
    }
}
