using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Proxy.FunctionalTests.Infrastructure;
using Xunit.Abstractions;

namespace Proxy.FunctionalTests.Admin;

/// <summary>The admin API while Redis is down: every endpoint that needs storage answers 503 storage_unavailable in the
/// API's one error shape, promptly, and works again once Redis is back.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class AdminStorageOutageTests
{
    private const string Customer = "admin-outage";

    // A killed Redis refuses connections at once: an endpoint has no reason to take longer than this to say so.
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(10);

    private readonly GatewayFixture _gateway;
    private readonly ITestOutputHelper _output;

    public AdminStorageOutageTests(GatewayFixture gateway, ITestOutputHelper output)
    {
        _gateway = gateway;
        _output = output;
    }

    [Fact]
    public async Task With_redis_down_every_storage_endpoint_answers_503_storage_unavailable_and_recovers_when_it_is_back()
    {
        await using var redis = await RedisServer.StartAsync(durable: true);
        await using var proxy = await ProxyServer.StartAsync(redis.Configuration, _gateway.Emulator.WebSocketUrl);
        var (keyId, secret) = await proxy.IssueKeyAsync(Customer);
        var (client, requestId) = await AgentTestClient.StartSessionAsync(proxy.AgentUrl(), secret);
        await using (client)
        {
            await client.CloseAsync();
        }

        var sessionId = (await proxy.WaitForClosedRecordByRequestIdAsync(Customer, requestId)).GetProperty("session_id").GetString()!;

        // Each request, and what it answers once Redis is back.
        var requests = new (HttpMethod Method, string Path, object? Body, HttpStatusCode Healthy)[]
        {
            (HttpMethod.Get, "/admin/v1/customers", null, HttpStatusCode.OK),
            (HttpMethod.Get, $"/admin/v1/customers/{Customer}", null, HttpStatusCode.OK),
            (HttpMethod.Put, $"/admin/v1/customers/{Customer}", new { name = "Outage" }, HttpStatusCode.OK),
            (HttpMethod.Get, $"/admin/v1/customers/{Customer}/keys", null, HttpStatusCode.OK),
            (HttpMethod.Post, $"/admin/v1/customers/{Customer}/keys", new { }, HttpStatusCode.Created),
            (HttpMethod.Put, $"/admin/v1/customers/{Customer}/upstream-key", new { api_key = "dg-outage-key" }, HttpStatusCode.OK),
            (HttpMethod.Delete, $"/admin/v1/customers/{Customer}/upstream-key", null, HttpStatusCode.OK),
            (HttpMethod.Get, $"/admin/v1/customers/{Customer}/settings", null, HttpStatusCode.OK),
            (HttpMethod.Put, $"/admin/v1/customers/{Customer}/settings", new { idle_timeout_ms = 20000 }, HttpStatusCode.OK),
            (HttpMethod.Patch, $"/admin/v1/customers/{Customer}/settings", new { idle_mode = "audio" }, HttpStatusCode.OK),
            (HttpMethod.Get, $"/admin/v1/sessions?customer={Customer}", null, HttpStatusCode.OK),
            (HttpMethod.Get, "/admin/v1/sessions/live", null, HttpStatusCode.OK),
            (HttpMethod.Get, $"/admin/v1/sessions/{sessionId}", null, HttpStatusCode.OK),
            (HttpMethod.Delete, $"/admin/v1/sessions/{sessionId}", null, HttpStatusCode.Conflict),
            (HttpMethod.Post, $"/admin/v1/customers/{Customer}/sessions/close", null, HttpStatusCode.Accepted),
            (HttpMethod.Put, "/admin/v1/plans/admin-outage-plan", new { currency = "USD" }, HttpStatusCode.Created),
            (HttpMethod.Get, "/admin/v1/plans/admin-outage-plan", null, HttpStatusCode.OK),
            (HttpMethod.Get, "/admin/v1/plans/admin-outage-plan/versions", null, HttpStatusCode.OK),
            (HttpMethod.Delete, "/admin/v1/plans/admin-outage-plan", null, HttpStatusCode.NoContent),
            (HttpMethod.Delete, $"/admin/v1/keys/{keyId}", null, HttpStatusCode.OK),
            (HttpMethod.Get, $"/admin/v1/usage?customer={Customer}&group_by=model", null, HttpStatusCode.OK),
            (HttpMethod.Post, $"/admin/v1/reconcile?from=2020-01-01&to=2020-01-01&customer={Customer}", new { requests = Array.Empty<object>() }, HttpStatusCode.OK),
            (HttpMethod.Post, "/admin/v1/reconcile?from=2020-01-01&to=2020-01-01", new { requests = Array.Empty<object>() }, HttpStatusCode.OK),
            (HttpMethod.Get, $"/admin/v1/reconcile/last?customer={Customer}", null, HttpStatusCode.OK),
            (HttpMethod.Get, "/admin/v1/audit", null, HttpStatusCode.OK),
        };

        await redis.KillAsync();
        await WaitUntilAsync(async () => !(await proxy.InstanceAsync()).GetProperty("redis_connected").GetBoolean(), "the proxy did not notice Redis was gone");
        foreach (var (method, path, body, _) in requests)
        {
            var started = Stopwatch.GetTimestamp();
            var (status, json) = await SendAsync(proxy, method, path, body);
            var took = Stopwatch.GetElapsedTime(started);
            _output.WriteLine($"Redis down: {method} {path} -> {(int)status} in {took.TotalMilliseconds:0} ms");
            Assert.True(status == HttpStatusCode.ServiceUnavailable, $"{method} {path} answered {(int)status} {json}");
            Assert.Equal("storage_unavailable", json.GetProperty("error").GetString());
            Assert.False(string.IsNullOrWhiteSpace(json.GetProperty("message").GetString()));
            Assert.Equal(2, json.EnumerateObject().Count());
        }

        // Endpoints that need no storage still answer.
        Assert.False((await proxy.InstanceAsync()).GetProperty("redis_connected").GetBoolean());

        // Each change refused meanwhile is still recorded: its audit entry, which Redis could not take, is in the log
        // (event 5055) with its 503, and counted.
        var changes = requests.Where(r => r.Method != HttpMethod.Get).ToList();
        foreach (var (method, path, _, _) in changes)
        {
            var pathOnly = path.Split('?')[0];
            Assert.Contains(proxy.Process.Output, line => line.Contains("Audit entry not written", StringComparison.Ordinal)
                && line.Contains($"method {method} path {pathOnly} ", StringComparison.Ordinal) && line.Contains("status 503", StringComparison.Ordinal));
        }

        Assert.Equal(changes.Count, (await proxy.ScrapeAsync()).Sum("dgproxy_admin_audit_write_failures_total"));

        await redis.RestartAsync();
        await WaitUntilAsync(async () => (await proxy.InstanceAsync()).GetProperty("redis_connected").GetBoolean(), "the proxy did not reconnect to Redis");
        foreach (var (method, path, body, healthy) in requests)
        {
            var (status, json) = await SendAsync(proxy, method, path, body);
            Assert.True(status == healthy, $"after Redis came back, {method} {path} answered {(int)status} {json}");
        }

        // The reconciliation over all customers that Redis's outage stopped is counted as failed.
        var metrics = await proxy.ScrapeAsync();
        Assert.Equal(1, metrics.Sum("dgproxy_reconciliation_runs_total", "result=failed"));
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(ProxyServer proxy, HttpMethod method, string path, object? body)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        }

        using var timeout = new CancellationTokenSource(Prompt);
        using var response = await proxy.Admin.SendAsync(request, timeout.Token);
        var text = await response.Content.ReadAsStringAsync(timeout.Token);
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string failure)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(100);
        }
    }
}
