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
}
