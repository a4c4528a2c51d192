using System.Text;
using Proxy.Gateway;

namespace Proxy.Tests.Gateway;

public sealed class TokenGrantRequestTests
{
    [Theory]
    [InlineData("", 30)]
    [InlineData("  \n", 30)]
    [InlineData("{}", 30)]
    [InlineData("""{"ttl_seconds":null}""", 30)]
    [InlineData("""{"ttl_seconds":1}""", 1)]
    [InlineData("""{"ttl_seconds":3600}""", 3600)]
    [InlineData("""{"ttl_seconds":120,"other":true}""", 120)]
    public void A_valid_body_gives_its_ttl_or_the_default(string body, int expected)
    {
        Assert.Equal(expected, TokenGrantRequest.ParseTtl(Encoding.UTF8.GetBytes(body), out var error));
        Assert.Null(error);
    }

    [Theory]
    [InlineData("""{"ttl_seconds":0}""")]
    [InlineData("""{"ttl_seconds":3601}""")]
    [InlineData("""{"ttl_seconds":-5}""")]
    [InlineData("""{"ttl_seconds":1.5}""")]
    [InlineData("""{"ttl_seconds":"30"}""")]
    [InlineData("""{"ttl_seconds":99999999999999999999}""")]
    [InlineData("{not json")]
    [InlineData("[30]")]
    public void A_bad_body_is_refused_naming_ttl_seconds(string body)
    {
        Assert.Null(TokenGrantRequest.ParseTtl(Encoding.UTF8.GetBytes(body), out var error));
        Assert.Contains("ttl_seconds", error, StringComparison.Ordinal);
    }
}
