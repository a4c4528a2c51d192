using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Gateway;

/// <summary>What the upstream receives and what the client is answered, checked on the emulator's side.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class UpstreamHandshakeTests
{
    private readonly GatewayFixture _gateway;

    public UpstreamHandshakeTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task The_customers_own_deepgram_key_reaches_the_upstream_and_others_use_the_default()
    {
        var proxy = _gateway.Proxy;
        var (_, ownKeySecret) = await proxy.IssueKeyAsync("upstream-own-key");
        using (var put = await proxy.Admin.PutAsJsonAsync(new Uri("/admin/v1/customers/upstream-own-key/upstream-key", UriKind.Relative), new { api_key = EmulatorServer.CustomerApiKey }))
        {
            put.EnsureSuccessStatusCode();
            Assert.True((await put.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("has_upstream_key").GetBoolean());
        }

        var (_, defaultKeySecret) = await proxy.IssueKeyAsync("upstream-default-key");

        var own = await OpenAndCloseAsync(ownKeySecret);
        var fallback = await OpenAndCloseAsync(defaultKeySecret);

        Assert.Equal(EmulatorServer.Fingerprint(EmulatorServer.CustomerApiKey), own.GetProperty("api_key_sha256").GetString());
        Assert.Equal(EmulatorServer.Fingerprint(EmulatorServer.DefaultApiKey), fallback.GetProperty("api_key_sha256").GetString());

        // Cleared: the customer falls back to the default key.
        (await proxy.Admin.DeleteAsync(new Uri("/admin/v1/customers/upstream-own-key/upstream-key", UriKind.Relative))).EnsureSuccessStatusCode();
        var cleared = await OpenAndCloseAsync(ownKeySecret);
        Assert.Equal(EmulatorServer.Fingerprint(EmulatorServer.DefaultApiKey), cleared.GetProperty("api_key_sha256").GetString());

        // Stored encrypted: the Redis hash never holds the key in clear.
        var stored = await _gateway.Redis.Database.HashGetAllAsync("dgp:{upstream-own-key}:customer");
        Assert.DoesNotContain(stored, e => e.Value.ToString().Contains(EmulatorServer.CustomerApiKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_upstream_that_refuses_the_key_gets_the_client_a_502_with_its_status_and_an_unbilled_record()
    {
        var proxy = _gateway.Proxy;
        var (_, secret) = await proxy.IssueKeyAsync("upstream-refuses");
        using (var put = await proxy.Admin.PutAsJsonAsync(new Uri("/admin/v1/customers/upstream-refuses/upstream-key", UriKind.Relative), new { api_key = "not-a-key-the-emulator-knows" }))
        {
            put.EnsureSuccessStatusCode();
        }

        var raw = await AdmissionTests.RawUpgradeAsync(
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Token " + secret + "\r\n",
            proxy.ProxyUrl);
        Assert.StartsWith("HTTP/1.1 502", raw, StringComparison.Ordinal);
        Assert.Contains("\"error\":\"upstream_refused\"", raw, StringComparison.Ordinal);
        Assert.Contains("\"upstream_status\":401", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("INVALID_AUTH", raw, StringComparison.Ordinal);

        var record = await proxy.WaitForClosedRecordAsync("upstream-refuses", _ => true);
        Assert.Equal("upstream_error", record.GetProperty("close_reason").GetString());
        Assert.Equal(401, record.GetProperty("upstream_status").GetInt32());
        Assert.Equal(0, record.GetProperty("billable_ms").GetInt64());
        Assert.Equal(JsonValueKind.Null, record.GetProperty("duration_ms").ValueKind);
    }

    [Fact]
    public async Task Deepgrams_429_reaches_the_client_as_429_with_its_retry_after_counted_and_an_unbilled_record()
    {
        var proxy = _gateway.Proxy;
        var (_, secret) = await proxy.IssueKeyAsync("upstream-rate-limited");
        var rejectedBefore = (await proxy.ScrapeAsync()).Sum("dgproxy_admission_rejected_total", "reason=upstream_rate_limited");

        // The emulator's hook (a query parameter the proxy forwards as Deepgram options are) answers the upgrade 429.
        var raw = await AdmissionTests.RawUpgradeAsync(
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Token " + secret + "\r\n",
            proxy.ProxyUrl,
            "/v1/agent/converse?emulator_refuse_status=429&emulator_retry_after=7");
        Assert.StartsWith("HTTP/1.1 429", raw, StringComparison.Ordinal);
        Assert.Matches(@"(?im)^Retry-After: 7\r$", raw);
        Assert.Contains("\"error\":\"upstream_rate_limited\"", raw, StringComparison.Ordinal);
        Assert.Contains("\"upstream_status\":429", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("TOO_MANY_REQUESTS", raw, StringComparison.Ordinal);

        // Recorded as any upstream refusal: an upstream_error record with Deepgram's status, nothing billed.
        var record = await proxy.WaitForClosedRecordAsync("upstream-rate-limited", _ => true);
        Assert.Equal("upstream_error", record.GetProperty("close_reason").GetString());
        Assert.Equal(429, record.GetProperty("upstream_status").GetInt32());
        Assert.Equal(0, record.GetProperty("billable_ms").GetInt64());

        var deadline = DateTime.UtcNow.AddSeconds(20);
        double rejected;
        do
        {
            rejected = (await proxy.ScrapeAsync()).Sum("dgproxy_admission_rejected_total", "reason=upstream_rate_limited");
        }
        while (rejected <= rejectedBefore && DateTime.UtcNow < deadline && await Task.Delay(100).ContinueWith(_ => true));
        Assert.True(rejected > rejectedBefore, $"dgproxy_admission_rejected_total{{reason=upstream_rate_limited}} stayed {rejected}");

        // Another refusal status stays the proxy's 502, without Retry-After.
        var other = await AdmissionTests.RawUpgradeAsync(
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Token " + secret + "\r\n",
            proxy.ProxyUrl,
            "/v1/agent/converse?emulator_refuse_status=503&emulator_retry_after=7");
        Assert.StartsWith("HTTP/1.1 502", other, StringComparison.Ordinal);
        Assert.Contains("\"error\":\"upstream_refused\"", other, StringComparison.Ordinal);
        Assert.DoesNotContain("Retry-After", other, StringComparison.OrdinalIgnoreCase);

        // One final record per attempt, none left open, none twice.
        var records = await proxy.WaitForClosedRecordsAsync("upstream-rate-limited", 2, TimeSpan.FromSeconds(20));
        Assert.Equal([429, 503], records.Select(r => r.GetProperty("upstream_status").GetInt32()).Order());
        Assert.Equal(2, records.Select(r => r.GetProperty("session_id").GetString()).Distinct().Count());
        Assert.Empty(await proxy.ListSessionsAsync("upstream-rate-limited", "open"));
    }

    [Fact]
    public async Task A_browser_style_client_is_answered_token_and_its_proxy_key_never_reaches_the_upstream()
    {
        var proxy = _gateway.Proxy;
        var (_, secret) = await proxy.IssueKeyAsync("upstream-subprotocol");
        var client = await AgentTestClient.ConnectWithSubprotocolAsync(
            new Uri(proxy.AgentUrl("/agent") + "?client_session_id=browser-7&mip_opt_out=true"),
            secret,
            options => options.DangerousDeflateOptions = new WebSocketDeflateOptions());
        await using var _ = client;
        Assert.Equal("token", client.Socket.SubProtocol);
        var requestId = (await client.ReceiveJsonAsync("Welcome")).GetProperty("request_id").GetString()!;
        await client.CloseAsync();

        var upstream = await _gateway.Emulator.WaitForClosedConnectionAsync(requestId);
        Assert.Equal("/agent", upstream.GetProperty("path").GetString());
        Assert.Equal("mip_opt_out=true", upstream.GetProperty("query").GetString());
        Assert.Equal(["token", "***"], upstream.GetProperty("requested_protocols").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(EmulatorServer.Fingerprint(EmulatorServer.DefaultApiKey), upstream.GetProperty("api_key_sha256").GetString());
        var headers = upstream.GetProperty("request_headers").EnumerateObject().Select(h => h.Name.ToLowerInvariant()).ToHashSet();
        Assert.DoesNotContain("sec-websocket-extensions", headers);
        Assert.DoesNotContain("x-forwarded-for", headers);
        Assert.DoesNotContain("x-forwarded-proto", headers);
        Assert.DoesNotContain(secret, upstream.GetRawText(), StringComparison.Ordinal);

        var record = await proxy.WaitForClosedRecordByRequestIdAsync("upstream-subprotocol", requestId);
        Assert.Equal("browser-7", record.GetProperty("client_session_id").GetString());
        Assert.Equal("client_closed", record.GetProperty("close_reason").GetString());
    }

    private async Task<JsonElement> OpenAndCloseAsync(string secret)
    {
        var client = await AgentTestClient.ConnectWithHeaderAsync(_gateway.Proxy.AgentUrl(), secret);
        await using var _ = client;
        var requestId = (await client.ReceiveJsonAsync("Welcome")).GetProperty("request_id").GetString()!;
        await client.CloseAsync();
        return await _gateway.Emulator.WaitForClosedConnectionAsync(requestId);
    }
}
