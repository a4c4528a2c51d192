using Microsoft.Extensions.Options;
using Proxy.Gateway;
using Proxy.Tunnel;

namespace Proxy.Tests.Tunnel;

public sealed class UpstreamOptionsValidatorTests
{
    [Fact]
    public void Defaults_are_accepted()
    {
        Assert.True(Validate(new UpstreamOptions()).Succeeded);
    }

    [Theory]
    [InlineData("wss://agent.deepgram.com")]
    [InlineData("ws://127.0.0.1:8081")]
    [InlineData("http://localhost:5000")]
    [InlineData("https://agent.eu.deepgram.com/")]
    [InlineData("ws://emulator:8081/base")]
    public void Websocket_and_http_urls_are_accepted(string url)
    {
        Assert.True(Validate(new UpstreamOptions { Url = url }).Succeeded);
    }

    [Theory]
    [InlineData("")]
    [InlineData("agent.deepgram.com")]
    [InlineData("ftp://agent.deepgram.com")]
    [InlineData("file:///tmp/socket")]
    [InlineData("/v1/agent")]
    public void Other_urls_are_refused_naming_the_key(string url)
    {
        var result = Validate(new UpstreamOptions { Url = url });

        Assert.True(result.Failed);
        Assert.Contains("Upstream:Url", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("wss://agent.deepgram.com/?token=abc")]
    [InlineData("wss://agent.deepgram.com/#frag")]
    [InlineData("wss://user:key@agent.deepgram.com")]
    public void Urls_with_query_fragment_or_user_info_are_refused_naming_the_key(string url)
    {
        var result = Validate(new UpstreamOptions { Url = url });

        Assert.True(result.Failed);
        Assert.Contains("Upstream:Url", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1000)]
    [InlineData(120_001)]
    public void Connect_timeout_outside_1ms_to_2min_is_refused_naming_the_key(int ms)
    {
        var result = Validate(new UpstreamOptions { ConnectTimeout = TimeSpan.FromMilliseconds(ms) });

        Assert.True(result.Failed);
        Assert.Contains("Upstream:ConnectTimeout", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(120_000)]
    public void Connect_timeout_bounds_are_accepted(int ms)
    {
        Assert.True(Validate(new UpstreamOptions { ConnectTimeout = TimeSpan.FromMilliseconds(ms) }).Succeeded);
    }

    [Fact]
    public void Activity_timeout_below_one_second_is_refused_naming_the_key()
    {
        var result = Validate(new UpstreamOptions { ActivityTimeout = TimeSpan.FromMilliseconds(999) });

        Assert.True(result.Failed);
        Assert.Contains("Upstream:ActivityTimeout", result.FailureMessage, StringComparison.Ordinal);
        Assert.True(Validate(new UpstreamOptions { ActivityTimeout = TimeSpan.FromSeconds(1) }).Succeeded);
    }

    [Theory]
    [InlineData("key with space")]
    [InlineData("key\n")]
    [InlineData("\tkey")]
    public void Api_key_with_whitespace_is_refused_naming_the_key(string key)
    {
        var result = Validate(new UpstreamOptions { ApiKey = key });

        Assert.True(result.Failed);
        Assert.Contains("Upstream:ApiKey", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Api_key_longer_than_512_characters_is_refused()
    {
        Assert.True(Validate(new UpstreamOptions { ApiKey = new string('k', 512) }).Succeeded);
        Assert.True(Validate(new UpstreamOptions { ApiKey = new string('k', 513) }).Failed);
    }

    [Fact]
    public void Every_failure_is_reported()
    {
        var result = Validate(new UpstreamOptions { Url = "ftp://x", ConnectTimeout = TimeSpan.Zero, ActivityTimeout = TimeSpan.Zero, ApiKey = "a b" });

        Assert.Equal(4, result.Failures!.Count());
    }

    [Fact]
    public void Allowed_urls_are_checked_like_the_url_naming_the_entry()
    {
        Assert.True(Validate(new UpstreamOptions { AllowedUrls = ["wss://api.eu.deepgram.com", "ws://127.0.0.1:8082"] }).Succeeded);

        var result = Validate(new UpstreamOptions { AllowedUrls = ["wss://api.eu.deepgram.com", "api.eu.deepgram.com", "wss://user:pw@eu.example.com", "wss://eu.example.com/?x=1"] });
        Assert.True(result.Failed);
        Assert.Contains("Upstream:AllowedUrls:1 must be an absolute", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Upstream:AllowedUrls:2 must not contain", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Upstream:AllowedUrls:3 must not contain", result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("Upstream:AllowedUrls:0", result.FailureMessage, StringComparison.Ordinal);
    }

    private static ValidateOptionsResult Validate(UpstreamOptions options) => new UpstreamOptionsValidator().Validate(null, options);
}
