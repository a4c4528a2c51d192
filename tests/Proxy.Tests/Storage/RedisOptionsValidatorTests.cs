using Microsoft.Extensions.Options;
using Proxy.Storage;

namespace Proxy.Tests.Storage;

public sealed class RedisOptionsValidatorTests
{
    [Fact]
    public void Defaults_are_accepted()
    {
        Assert.True(Validate(new RedisOptions()).Succeeded);
    }

    [Theory]
    [InlineData("redis-0.redis:6379,redis-1.redis:6379,password=s3cret,ssl=true,abortConnect=false")]
    [InlineData("[::1]:6379")]
    [InlineData("localhost")]
    public void Valid_configuration_strings_are_accepted(string configuration)
    {
        Assert.True(Validate(new RedisOptions { Configuration = configuration }).Succeeded);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Missing_configuration_is_refused_naming_the_key(string configuration)
    {
        var result = Validate(new RedisOptions { Configuration = configuration });

        Assert.True(result.Failed);
        Assert.Contains("Redis:Configuration", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1:6379,foo=bar")]
    [InlineData("127.0.0.1:6379,connectTimeout=abc")]
    [InlineData("127.0.0.1:6379,abortConnect=maybe")]
    [InlineData("127.0.0.1:99999")]
    public void Unparsable_configuration_is_refused_naming_the_key(string configuration)
    {
        var result = Validate(new RedisOptions { Configuration = configuration });

        Assert.True(result.Failed);
        Assert.Contains("Redis:Configuration", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1:notaport")]
    [InlineData(",,,")]
    public void Configuration_without_an_endpoint_is_refused(string configuration)
    {
        Assert.True(Validate(new RedisOptions { Configuration = configuration }).Failed);
    }

    [Theory]
    [InlineData("password=hunter2secret")]
    [InlineData("127.0.0.1:6379,password=hunter2secret,bogus=1")]
    [InlineData("127.0.0.1:6379,password=hunter2secret,connectTimeout=soon")]
    [InlineData("127.0.0.1:notaport,password=hunter2secret")]
    public void A_refused_configuration_string_is_never_quoted_it_may_hold_a_password(string configuration)
    {
        var result = Validate(new RedisOptions { Configuration = configuration });

        Assert.True(result.Failed);
        Assert.Contains("Redis:Configuration", result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2secret", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("dgp:")]
    [InlineData("")]
    [InlineData("tenant-a:dgp:")]
    public void Prefixes_without_braces_or_spaces_are_accepted(string prefix)
    {
        Assert.True(Validate(new RedisOptions { KeyPrefix = prefix }).Succeeded);
    }

    [Theory]
    [InlineData("{dgp}:")]
    [InlineData("dgp{")]
    [InlineData("dgp}")]
    [InlineData("dg p:")]
    [InlineData(null)]
    public void Prefixes_with_braces_or_spaces_are_refused_naming_the_key(string? prefix)
    {
        var result = Validate(new RedisOptions { KeyPrefix = prefix! });

        Assert.True(result.Failed);
        Assert.Contains("Redis:KeyPrefix", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_failure_is_reported()
    {
        var result = Validate(new RedisOptions { Configuration = string.Empty, KeyPrefix = "{x}" });

        Assert.Equal(2, result.Failures!.Count());
    }

    private static ValidateOptionsResult Validate(RedisOptions options) => new RedisOptionsValidator().Validate(null, options);
}
