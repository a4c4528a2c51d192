using System.Net;
using System.Text;
using System.Text.Json;
using Proxy.Billing;

namespace Proxy.Tests.TestSupport;

/// <summary>Deepgram's keys API in memory, behind an <see cref="HttpMessageHandler"/>: creates keys with fresh ids,
/// deletes them (404 for one it does not have), and answers <see cref="Failure"/> instead while it is set.</summary>
internal sealed class FakeDeepgramKeysApi : HttpMessageHandler
{
    private int _next;

    public Dictionary<string, (string Key, JsonElement Body)> Keys { get; } = new(StringComparer.Ordinal);

    public List<(HttpMethod Method, string Url, string? Authorization, string? Body)> Requests { get; } = [];

    /// <summary>When set, every request gets this answer (and nothing changes).</summary>
    public Func<HttpResponseMessage>? Failure { get; set; }

    public static DeepgramOptions Options() =>
        new() { ApiUrl = new Uri("https://dg.test"), ProjectId = "proj-1", ManagementKey = "mgmt-secret", KeyRetirementGrace = TimeSpan.FromSeconds(10) };

    public IHttpClientFactory Factory() => new SingleClientFactory(this);

    public DeepgramKeysClient Client(DeepgramOptions? options = null) => new(Factory(), new TestOptionsMonitor<DeepgramOptions>(options ?? Options()));

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        lock (Requests)
        {
            Requests.Add((request.Method, request.RequestUri!.ToString(), request.Headers.Authorization?.ToString(), body));
            if (Failure is { } failure)
            {
                return failure();
            }

            var path = request.RequestUri.AbsolutePath;
            if (request.Method == HttpMethod.Post && path == "/v1/projects/proj-1/keys")
            {
                var id = $"dg-key-{++_next}";
                var key = $"dg-secret-{_next}";
                Keys[id] = (key, JsonDocument.Parse(body!).RootElement.Clone());
                return Json($$"""{"api_key_id":"{{id}}","key":"{{key}}","comment":"c","scopes":[],"tags":[]}""");
            }

            if (request.Method == HttpMethod.Delete && path.StartsWith("/v1/projects/proj-1/keys/", StringComparison.Ordinal))
            {
                return Keys.Remove(path["/v1/projects/proj-1/keys/".Length..])
                    ? Json("""{"message":"deleted"}""")
                    : new HttpResponseMessage(HttpStatusCode.NotFound);
            }

            return new HttpResponseMessage(HttpStatusCode.BadRequest);
        }
    }

    private static HttpResponseMessage Json(string json) => new(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    private sealed class SingleClientFactory(HttpMessageHandler handler) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(handler, disposeHandler: false);
    }
}
