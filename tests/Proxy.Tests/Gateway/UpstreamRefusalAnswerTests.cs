using System.Net;
using Microsoft.AspNetCore.Http;
using Proxy.Gateway;

namespace Proxy.Tests.Gateway;

/// <summary>Deepgram's 429 is passed on with its Retry-After; any other refusal is the proxy's 502.</summary>
public sealed class UpstreamRefusalAnswerTests
{
    [Fact]
    public void Deepgrams_429_is_a_429_with_its_retry_after_in_seconds()
    {
        using var response = Refusal(HttpStatusCode.TooManyRequests, "7");

        var answer = UpstreamRefusalAnswer.For(response);

        Assert.Equal(StatusCodes.Status429TooManyRequests, answer.StatusCode);
        Assert.Equal("upstream_rate_limited", answer.Error);
        Assert.Equal(429, answer.UpstreamStatus);
        Assert.Equal("7", answer.RetryAfter);
    }

    [Fact]
    public void A_retry_after_given_as_an_http_date_is_passed_on_as_that_date()
    {
        using var response = Refusal(HttpStatusCode.TooManyRequests, "Wed, 09 Dec 2026 10:00:00 GMT");

        Assert.Equal("Wed, 09 Dec 2026 10:00:00 GMT", UpstreamRefusalAnswer.For(response).RetryAfter);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("soon")]
    [InlineData("7\r\nSet-Cookie: x=1")]
    public void A_429_without_a_readable_retry_after_has_none(string? retryAfter)
    {
        using var response = Refusal(HttpStatusCode.TooManyRequests, retryAfter);

        var answer = UpstreamRefusalAnswer.For(response);

        Assert.Equal(StatusCodes.Status429TooManyRequests, answer.StatusCode);
        Assert.Null(answer.RetryAfter);
    }

    [Theory]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.Forbidden)]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    public void Any_other_refusal_is_a_502_naming_the_status_and_drops_retry_after(HttpStatusCode status)
    {
        using var response = Refusal(status, "7");

        var answer = UpstreamRefusalAnswer.For(response);

        Assert.Equal(StatusCodes.Status502BadGateway, answer.StatusCode);
        Assert.Equal("upstream_refused", answer.Error);
        Assert.Equal((int)status, answer.UpstreamStatus);
        Assert.Null(answer.RetryAfter);
    }

    private static HttpResponseMessage Refusal(HttpStatusCode status, string? retryAfter)
    {
        var response = new HttpResponseMessage(status);
        if (retryAfter is not null)
        {
            response.Headers.TryAddWithoutValidation("Retry-After", retryAfter);
        }

        return response;
    }
}
