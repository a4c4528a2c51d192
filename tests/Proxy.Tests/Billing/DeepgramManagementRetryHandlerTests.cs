using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Proxy.Billing;
using Proxy.Telemetry;
using Proxy.Tests.TestSupport;

namespace Proxy.Tests.Billing;

/// <summary>The management API's retries on a fake clock: what is retried, after how long, and when it stops.</summary>
public sealed class DeepgramManagementRetryHandlerTests
{
    private static readonly Uri Url = new("https://dg.test/v1/projects/p/requests?page=0");
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private readonly TimerWatchingTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(1_796_083_200_000));
    private readonly IMeterFactory _meters = TestMetrics.NewMeterFactory();

    [Fact]
    public async Task A_429_is_retried_once_after_its_retry_after_seconds()
    {
        var inner = ScriptedHttpHandler.Of(_ => TooManyRequests(new RetryConditionHeaderValue(TimeSpan.FromSeconds(7))), _ => Ok());
        using var invoker = Invoker(inner);

        var sending = SendAsync(invoker, HttpMethod.Get);
        await _time.WaitForTimerAsync(TimeSpan.FromSeconds(7));
        _time.Advance(TimeSpan.FromSeconds(7) - TimeSpan.FromMilliseconds(1));
        await Task.Delay(50);
        Assert.Equal(1, inner.Count);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        using var response = await sending.WaitAsync(Bound);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, inner.Count);
        Assert.True(response.RequestMessage!.Options.TryGetValue(DeepgramManagementRetryHandler.Attempts, out var attempts));
        Assert.Equal(2, attempts);
    }

    [Fact]
    public async Task A_retry_after_date_is_waited_until()
    {
        var inner = ScriptedHttpHandler.Of(_ => TooManyRequests(new RetryConditionHeaderValue(_time.GetUtcNow().AddSeconds(12))), _ => Ok());
        using var invoker = Invoker(inner);

        var sending = SendAsync(invoker, HttpMethod.Get);
        await _time.WaitForTimerAsync(TimeSpan.FromSeconds(12));
        _time.Advance(TimeSpan.FromSeconds(12));
        using var response = await sending.WaitAsync(Bound);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, inner.Count);
    }

    [Fact]
    public async Task A_post_answered_429_is_retried_it_was_not_processed()
    {
        var inner = ScriptedHttpHandler.Of(_ => TooManyRequests(new RetryConditionHeaderValue(TimeSpan.FromSeconds(3))), _ => Ok());
        using var invoker = Invoker(inner);

        var sending = SendAsync(invoker, HttpMethod.Post);
        await _time.WaitForTimerAsync(TimeSpan.FromSeconds(3));
        _time.Advance(TimeSpan.FromSeconds(3));
        using var response = await sending.WaitAsync(Bound);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["POST", "POST"], inner.Requests.Select(r => r.Method));
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.GatewayTimeout)]
    public async Task A_post_answered_5xx_is_not_retried_it_may_have_been_processed(HttpStatusCode status)
    {
        var inner = ScriptedHttpHandler.Of(_ => new HttpResponseMessage(status), _ => Ok());
        using var invoker = Invoker(inner);

        using var response = await SendAsync(invoker, HttpMethod.Post).WaitAsync(Bound);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(1, inner.Count);
    }

    [Theory]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.Forbidden)]
    [InlineData(HttpStatusCode.BadRequest)]
    [InlineData(HttpStatusCode.NotFound)]
    public async Task A_refusal_or_a_bad_request_is_never_retried(HttpStatusCode status)
    {
        var inner = ScriptedHttpHandler.Of(_ => new HttpResponseMessage(status), _ => Ok());
        using var invoker = Invoker(inner);

        using var response = await SendAsync(invoker, HttpMethod.Get).WaitAsync(Bound);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(1, inner.Count);
    }

    [Fact]
    public async Task A_read_failing_with_5xx_backs_off_1_2_4_s_and_after_the_last_attempt_the_answer_is_surfaced()
    {
        var inner = ScriptedHttpHandler.Of(_ => new HttpResponseMessage(HttpStatusCode.BadGateway));
        using var outcomes = new MetricCollector<long>(_meters, ProxyMetrics.MeterName, "dgproxy.deepgram.management.requests");
        using var invoker = Invoker(inner);

        var sending = SendAsync(invoker, HttpMethod.Get);
        foreach (var seconds in new[] { 1, 2, 4 })
        {
            await _time.WaitForTimerAsync(TimeSpan.FromSeconds(seconds));
            _time.Advance(TimeSpan.FromSeconds(seconds));
        }

        using var response = await sending.WaitAsync(Bound);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal(4, inner.Count);
        Assert.Equal(4, outcomes.GetMeasurementSnapshot().Where(m => (string?)m.Tags["outcome"] == "server_error").Sum(m => m.Value));
    }

    [Fact]
    public async Task A_network_failure_of_a_read_is_retried_and_after_the_last_attempt_it_is_thrown()
    {
        var inner = new ScriptedHttpHandler((_, _) => throw new HttpRequestException(HttpRequestError.ConnectionError, "connection refused"));
        using var invoker = Invoker(inner, maxAttempts: 2);

        var sending = SendAsync(invoker, HttpMethod.Delete);
        await _time.WaitForTimerAsync(TimeSpan.FromSeconds(1));
        _time.Advance(TimeSpan.FromSeconds(1));

        var failure = await Assert.ThrowsAsync<HttpRequestException>(() => sending.WaitAsync(Bound));
        Assert.Equal(HttpRequestError.ConnectionError, failure.HttpRequestError);
        Assert.Equal(2, inner.Count);
    }

    [Fact]
    public async Task A_try_that_outlives_the_request_timeout_is_retried_for_a_read()
    {
        var inner = new ScriptedHttpHandler(
            async (_, ct) =>
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, ct);
                return Ok();
            },
            (_, _) => Task.FromResult(Ok()));
        using var invoker = Invoker(inner);

        var sending = SendAsync(invoker, HttpMethod.Get);
        await _time.WaitForTimerAsync(TimeSpan.FromSeconds(30));
        _time.Advance(TimeSpan.FromSeconds(30));
        await _time.WaitForTimerAsync(TimeSpan.FromSeconds(1));
        _time.Advance(TimeSpan.FromSeconds(1));
        using var response = await sending.WaitAsync(Bound);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, inner.Count);
    }

    [Fact]
    public async Task A_retry_after_beyond_the_budget_is_not_waited_for_the_429_is_surfaced_at_once()
    {
        var inner = ScriptedHttpHandler.Of(_ => TooManyRequests(new RetryConditionHeaderValue(TimeSpan.FromSeconds(120))), _ => Ok());
        using var invoker = Invoker(inner);

        using var response = await SendAsync(invoker, HttpMethod.Get).WaitAsync(Bound);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(120), response.Headers.RetryAfter?.Delta);
        Assert.Equal(1, inner.Count);
    }

    private HttpMessageInvoker Invoker(HttpMessageHandler inner, int maxAttempts = 4) =>
        new(new DeepgramManagementRetryHandler(
            new TestOptionsMonitor<DeepgramOptions>(new DeepgramOptions { MaxAttempts = maxAttempts, RetryBudget = TimeSpan.FromSeconds(30), RequestTimeout = TimeSpan.FromSeconds(30) }),
            _time,
            TestMetrics.Create(_meters),
            NullLogger<DeepgramManagementRetryHandler>.Instance,
            jitter: () => 1.0)
        {
            InnerHandler = inner,
        });

    private static Task<HttpResponseMessage> SendAsync(HttpMessageInvoker invoker, HttpMethod method)
    {
        var request = new HttpRequestMessage(method, Url);
        if (method == HttpMethod.Post)
        {
            request.Content = new StringContent("""{"comment":"c"}""");
        }

        return invoker.SendAsync(request, CancellationToken.None);
    }

    private static HttpResponseMessage Ok() => new(HttpStatusCode.OK) { Content = new StringContent("{}") };

    private static HttpResponseMessage TooManyRequests(RetryConditionHeaderValue retryAfter)
    {
        var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.RetryAfter = retryAfter;
        return response;
    }
}
