using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Proxy.Billing;
using Proxy.Tests.TestSupport;

namespace Proxy.Tests.Billing;

public sealed class DeepgramRequestsClientTests
{
    private const long Dec1 = 1_796_083_200_000;
    private static readonly ReconciliationPeriod Period = new(Dec1, Dec1 + 86_400_000);

    [Fact]
    public async Task Pages_are_fetched_until_a_short_page_with_the_management_key_and_the_period()
    {
        var handler = new ScriptedHandler(
            _ => Ok(Page(1000, offset: 0)),
            _ => Ok(Page(3, offset: 1000)));

        var requests = await ListAsync(handler, accessor: "dg-key-7");

        Assert.Equal(1003, requests.Count);
        Assert.Equal(2, handler.Requests.Count);
        Assert.All(handler.Requests, r => Assert.Equal("Token mgmt-secret", r.Authorization));
        Assert.Equal(
            "https://dg.test/v1/projects/proj-1/requests?endpoint=agent&start=2026-12-01T00%3A00%3A00.000Z&end=2026-12-02T00%3A00%3A00.000Z&limit=1000&page=1&accessor=dg-key-7",
            handler.Requests[1].Url);
    }

    [Fact]
    public async Task A_429_left_after_the_retries_fails_as_rate_limited_with_deepgrams_retry_after()
    {
        var handler = new ScriptedHandler(_ => TooManyRequests(TimeSpan.FromSeconds(42)));

        var failure = await Assert.ThrowsAsync<DeepgramRequestsException>(() => ListAsync(handler, null));

        Assert.Equal(DeepgramManagementFailure.RateLimited, failure.Failure);
        Assert.Equal(TimeSpan.FromSeconds(42), failure.RetryAfter);
        Assert.Contains("rate limiting its management API (429)", failure.Message, StringComparison.Ordinal);
        Assert.Contains("in 42 s", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_5xx_left_after_the_retries_fails_as_unavailable_naming_the_status()
    {
        var handler = new ScriptedHandler(_ => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable));

        var failure = await Assert.ThrowsAsync<DeepgramRequestsException>(() => ListAsync(handler, null));

        Assert.Equal(DeepgramManagementFailure.Unavailable, failure.Failure);
        Assert.Contains("Deepgram answered 503", failure.Message, StringComparison.Ordinal);
        Assert.Contains("upload the requests list", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Through_the_retry_handler_a_5xx_on_every_attempt_fails_saying_how_many_times()
    {
        var inner = new ScriptedHandler(_ => new HttpResponseMessage(HttpStatusCode.BadGateway));
        var time = new TimerWatchingTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(Dec1));
        var options = Options(maxAttempts: 2);
        var retrying = new DeepgramManagementRetryHandler(options, time, TestMetrics.Create(), NullLogger<DeepgramManagementRetryHandler>.Instance, jitter: () => 1.0)
        {
            InnerHandler = inner,
        };

        var listing = new DeepgramRequestsClient(new SingleClientFactory(retrying), options, time).ListAsync(Period, null, CancellationToken.None);
        await time.WaitForTimerAsync(TimeSpan.FromSeconds(1));
        time.Advance(TimeSpan.FromSeconds(1));

        var failure = await Assert.ThrowsAsync<DeepgramRequestsException>(() => listing.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(DeepgramManagementFailure.Unavailable, failure.Failure);
        Assert.Equal("Deepgram answered 502, 2 times: try again later, or upload the requests list.", failure.Message);
        Assert.Equal(2, inner.Requests.Count);
    }

    [Fact]
    public async Task A_refused_key_fails_at_once_without_retrying()
    {
        var handler = new ScriptedHandler(_ => new HttpResponseMessage(HttpStatusCode.Unauthorized));

        var failure = await Assert.ThrowsAsync<DeepgramRequestsException>(() => ListAsync(handler, null));

        Assert.Single(handler.Requests);
        Assert.Equal(DeepgramManagementFailure.Refused, failure.Failure);
        Assert.Contains("refused Deepgram:ManagementKey (401)", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("mgmt-secret", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_page_in_another_shape_fails_naming_the_field()
    {
        var handler = new ScriptedHandler(_ => Ok("""{"page":0,"limit":1000,"requests":[{"created":"2026-12-01T10:00:00Z"}]}"""));

        var failure = await Assert.ThrowsAsync<DeepgramRequestsException>(() => ListAsync(handler, null));

        Assert.Contains("requests[0].request_id is missing", failure.Message, StringComparison.Ordinal);
    }

    private static Task<IReadOnlyList<DeepgramRequest>> ListAsync(ScriptedHandler handler, string? accessor) =>
        NewClient(handler, TimeProvider.System).ListAsync(Period, accessor, CancellationToken.None);

    private static DeepgramRequestsClient NewClient(ScriptedHandler handler, TimeProvider time) =>
        new(new SingleClientFactory(handler),
            Options(),
            time);

    private static TestOptionsMonitor<DeepgramOptions> Options(int maxAttempts = 4) =>
        new(new DeepgramOptions { ApiUrl = new Uri("https://dg.test"), ProjectId = "proj-1", ManagementKey = "mgmt-secret", MaxAttempts = maxAttempts });

    private static string Page(int count, int offset) =>
        $$"""{"page":0,"limit":1000,"requests":[{{string.Join(",", Enumerable.Range(offset, count).Select(i => $$"""{"request_id":"r-{{i}}","created":"2026-12-01T10:00:00Z"}"""))}}]}""";

    private static HttpResponseMessage Ok(string json) => new(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    private static HttpResponseMessage TooManyRequests(TimeSpan retryAfter)
    {
        var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(retryAfter);
        return response;
    }

    private sealed class ScriptedHandler(params Func<HttpRequestMessage, HttpResponseMessage>[] answers) : HttpMessageHandler
    {
        public List<(string Url, string? Authorization)> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (Requests)
            {
                Requests.Add((request.RequestUri!.ToString(), request.Headers.Authorization?.ToString()));
                return Task.FromResult(answers[Math.Min(Requests.Count - 1, answers.Length - 1)](request));
            }
        }
    }

    private sealed class SingleClientFactory(HttpMessageHandler handler) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(handler, disposeHandler: false);
    }
}
