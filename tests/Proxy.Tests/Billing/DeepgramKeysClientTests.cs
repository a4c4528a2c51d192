using System.Net;
using System.Net.Http.Headers;
using Proxy.Billing;
using Proxy.Tests.TestSupport;

namespace Proxy.Tests.Billing;

public sealed class DeepgramKeysClientTests
{
    [Fact]
    public async Task A_key_is_created_in_the_project_with_the_management_key_tagged_and_named_for_the_customer()
    {
        var api = new FakeDeepgramKeysApi();
        var options = FakeDeepgramKeysApi.Options();
        options.KeyScopes = ["usage:write", "keys:read"];

        var created = await api.Client(options).CreateAsync("acme", CancellationToken.None);

        Assert.Equal(("dg-key-1", "dg-secret-1"), (created.ApiKeyId, created.Key));
        var (method, url, authorization, _) = Assert.Single(api.Requests);
        Assert.Equal((HttpMethod.Post, "https://dg.test/v1/projects/proj-1/keys", "Token mgmt-secret"), (method, url, authorization));
        var body = api.Keys["dg-key-1"].Body;
        Assert.Equal("dgproxy customer acme", body.GetProperty("comment").GetString());
        Assert.Equal(["acme"], body.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(["usage:write", "keys:read"], body.GetProperty("scopes").EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public async Task Without_configured_scopes_a_key_may_make_api_requests_only()
    {
        var api = new FakeDeepgramKeysApi();

        await api.Client().CreateAsync("acme", CancellationToken.None);

        Assert.Equal(["usage:write"], api.Keys["dg-key-1"].Body.GetProperty("scopes").EnumerateArray().Select(t => t.GetString()));
    }

    [Theory]
    [InlineData(HttpStatusCode.Unauthorized, "Refused", "refused Deepgram:ManagementKey (401)")]
    [InlineData(HttpStatusCode.Forbidden, "Refused", "refused Deepgram:ManagementKey (403)")]
    [InlineData(HttpStatusCode.BadRequest, "Refused", "Deepgram answered 400 creating a key")]
    [InlineData(HttpStatusCode.BadGateway, "Unavailable", "Deepgram answered 502 creating a key")]
    public async Task A_failed_create_is_tried_once_and_says_what_deepgram_answered(HttpStatusCode status, string failureName, string message)
    {
        var failure = Enum.Parse<DeepgramManagementFailure>(failureName);
        var api = new FakeDeepgramKeysApi { Failure = () => new HttpResponseMessage(status) };

        var thrown = await Assert.ThrowsAsync<DeepgramManagementException>(() => api.Client().CreateAsync("acme", CancellationToken.None));

        Assert.Equal(failure, thrown.Failure);
        Assert.Contains(message, thrown.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("mgmt-secret", thrown.Message, StringComparison.Ordinal);
        Assert.Single(api.Requests);
    }

    [Fact]
    public async Task A_429_gives_deepgrams_retry_after_and_is_not_retried()
    {
        var api = new FakeDeepgramKeysApi
        {
            Failure = () =>
            {
                var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
                response.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(12));
                return response;
            },
        };

        var thrown = await Assert.ThrowsAsync<DeepgramManagementException>(() => api.Client().CreateAsync("acme", CancellationToken.None));

        Assert.Equal((DeepgramManagementFailure.RateLimited, TimeSpan.FromSeconds(12)), (thrown.Failure, thrown.RetryAfter));
        Assert.Single(api.Requests);
    }

    [Fact]
    public async Task An_unreachable_deepgram_is_unavailable()
    {
        var api = new FakeDeepgramKeysApi { Failure = () => throw new HttpRequestException(HttpRequestError.ConnectionError, "refused") };

        var thrown = await Assert.ThrowsAsync<DeepgramManagementException>(() => api.Client().DeleteAsync("dg-key-1", CancellationToken.None));

        Assert.Equal(DeepgramManagementFailure.Unavailable, thrown.Failure);
        Assert.Contains("could not be reached deleting key dg-key-1 (ConnectionError)", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_create_answered_in_another_shape_fails_as_unavailable()
    {
        var api = new FakeDeepgramKeysApi
        {
            Failure = () => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("""{"api_key_id":"x"}""") },
        };

        var thrown = await Assert.ThrowsAsync<DeepgramManagementException>(() => api.Client().CreateAsync("acme", CancellationToken.None));

        Assert.Equal(DeepgramManagementFailure.Unavailable, thrown.Failure);
    }

    [Fact]
    public async Task Deleting_a_key_deepgram_no_longer_has_is_done()
    {
        var api = new FakeDeepgramKeysApi();
        var client = api.Client();
        var created = await client.CreateAsync("acme", CancellationToken.None);

        Assert.True(await client.DeleteAsync(created.ApiKeyId, CancellationToken.None));
        Assert.False(await client.DeleteAsync(created.ApiKeyId, CancellationToken.None));
        Assert.Equal((HttpMethod.Delete, "https://dg.test/v1/projects/proj-1/keys/dg-key-1"), (api.Requests[1].Method, api.Requests[1].Url));
        Assert.Empty(api.Keys);
    }

    [Fact]
    public async Task Without_a_project_and_management_key_nothing_is_sent()
    {
        var api = new FakeDeepgramKeysApi();

        var thrown = await Assert.ThrowsAsync<DeepgramManagementException>(() => api.Client(new DeepgramOptions()).CreateAsync("acme", CancellationToken.None));

        Assert.Equal(DeepgramManagementFailure.NotConfigured, thrown.Failure);
        Assert.Contains("Deepgram:ProjectId and Deepgram:ManagementKey", thrown.Message, StringComparison.Ordinal);
        Assert.Empty(api.Requests);
    }
}
