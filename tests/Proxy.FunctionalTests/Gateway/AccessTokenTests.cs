using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Gateway;

/// <summary>Short-lived tokens: <c>POST /v1/auth/grant</c> with a proxy key, then the agent with the token, as
/// Deepgram's own grant works. Refusals reach nothing upstream.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class AccessTokenTests
{
    private readonly GatewayFixture _gateway;

    public AccessTokenTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task A_granted_token_opens_sessions_by_bearer_header_and_bearer_subprotocol_recorded_to_its_key()
    {
        var proxy = _gateway.Proxy;
        var (keyId, secret) = await proxy.IssueKeyAsync("token-ok");

        var (status, grant) = await GrantAsync(proxy.ProxyUrl, "Token " + secret, body: null);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["access_token", "expires_in"], grant.EnumerateObject().Select(p => p.Name));
        Assert.Equal(30, grant.GetProperty("expires_in").GetInt32());
        var token = grant.GetProperty("access_token").GetString()!;
        Assert.Equal(3, token.Split('.').Length);

        var byHeader = await AgentTestClient.ConnectAsync(proxy.AgentUrl(), o => o.SetRequestHeader("Authorization", "Bearer " + token));
        var headerRequestId = await RunSessionAsync(byHeader);

        var bySubprotocol = await AgentTestClient.ConnectAsync(proxy.AgentUrl(), o =>
        {
            o.AddSubProtocol("bearer");
            o.AddSubProtocol(token);
        });
        Assert.Equal("bearer", bySubprotocol.Socket.SubProtocol);
        var subprotocolRequestId = await RunSessionAsync(bySubprotocol);

        var (keyClient, keyRequestId) = await AgentTestClient.StartSessionAsync(proxy.AgentUrl(), secret);
        await using (keyClient)
        {
            await keyClient.CloseAsync();
        }

        foreach (var requestId in new[] { headerRequestId, subprotocolRequestId })
        {
            var record = await proxy.WaitForClosedRecordByRequestIdAsync("token-ok", requestId);
            Assert.Equal((keyId, "token", "client_closed"), (record.GetProperty("key_id").GetString(), record.GetProperty("credential").GetString(), record.GetProperty("close_reason").GetString()));
        }

        var keyRecord = await proxy.WaitForClosedRecordByRequestIdAsync("token-ok", keyRequestId);
        Assert.Equal((keyId, "key"), (keyRecord.GetProperty("key_id").GetString(), keyRecord.GetProperty("credential").GetString()));

        // Upstream the gateway's own Deepgram key is presented, never the client's token.
        var upstream = await _gateway.Emulator.WaitForClosedConnectionAsync(subprotocolRequestId);
        Assert.DoesNotContain(token, upstream.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain(proxy.Process.Output, line => line.Contains(token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Grant_refusals_name_the_problem_and_a_ttl_is_honoured()
    {
        var proxy = await _gateway.StartProxyAsync(settings: new Dictionary<string, string> { ["Limits:AuthFailuresPerMinute"] = "1000" });
        await using var _ = proxy;
        var (revokedId, revoked) = await proxy.IssueKeyAsync("token-grant");
        (await proxy.Admin.DeleteAsync(new Uri($"/admin/v1/keys/{revokedId}", UriKind.Relative))).EnsureSuccessStatusCode();
        var (_, secret) = await proxy.IssueKeyAsync("token-grant");
        var (_, disabledSecret) = await proxy.IssueKeyAsync("token-grant-disabled");
        await proxy.PutCustomerAsync("token-grant-disabled", new { disabled = true });

        var (okStatus, ok) = await GrantAsync(proxy.ProxyUrl, "Token " + secret, """{"ttl_seconds":600}""");
        Assert.Equal((HttpStatusCode.OK, 600), (okStatus, ok.GetProperty("expires_in").GetInt32()));
        var (sdkStyleStatus, _) = await GrantAsync(proxy.ProxyUrl, "token " + secret, "{}");
        Assert.Equal(HttpStatusCode.OK, sdkStyleStatus);

        await AssertGrantRefusedAsync(proxy.ProxyUrl, null, null, HttpStatusCode.Unauthorized, "missing_key");
        await AssertGrantRefusedAsync(proxy.ProxyUrl, "Token dgpk_not-a-real-key", null, HttpStatusCode.Unauthorized, "invalid_key");
        await AssertGrantRefusedAsync(proxy.ProxyUrl, "Bearer " + ok.GetProperty("access_token").GetString(), null, HttpStatusCode.Unauthorized, "missing_key");
        await AssertGrantRefusedAsync(proxy.ProxyUrl, "Token " + revoked, null, HttpStatusCode.Unauthorized, "key_revoked");
        await AssertGrantRefusedAsync(proxy.ProxyUrl, "Token " + disabledSecret, null, HttpStatusCode.Forbidden, "customer_disabled");
        foreach (var body in new[] { """{"ttl_seconds":0}""", """{"ttl_seconds":3601}""", """{"ttl_seconds":1.5}""", """{"ttl_seconds":"30"}""", "not json" })
        {
            var message = await AssertGrantRefusedAsync(proxy.ProxyUrl, "Token " + secret, body, HttpStatusCode.BadRequest, "invalid_request");
            Assert.Contains("ttl_seconds", message, StringComparison.Ordinal);
        }

        var metrics = await proxy.ScrapeAsync();
        Assert.Equal(1, metrics.Sum("dgproxy_auth_failures_total", "reason=key_revoked"));
        Assert.Equal(1, metrics.Sum("dgproxy_auth_failures_total", "reason=customer_disabled"));
    }

    [Fact]
    public async Task Expired_forged_unsigned_and_revoked_key_tokens_are_refused_before_the_upstream_and_counted()
    {
        var proxy = await _gateway.StartProxyAsync(settings: new Dictionary<string, string> { ["Limits:AuthFailuresPerMinute"] = "1000" });
        await using var _ = proxy;
        var (keyId, secret) = await proxy.IssueKeyAsync("token-refused");
        var (_, disabledSecret) = await proxy.IssueKeyAsync("token-refused-disabled");
        var shortLived = await TokenAsync(proxy.ProxyUrl, secret, 1);
        var ofRevokedKey = await TokenAsync(proxy.ProxyUrl, secret, 600);
        var ofDisabledCustomer = await TokenAsync(proxy.ProxyUrl, disabledSecret, 600);
        await proxy.PutCustomerAsync("token-refused-disabled", new { disabled = true });
        var parts = ofRevokedKey.Split('.');
        var unsigned = $"{Base64Url("""{"alg":"none","typ":"JWT"}""")}.{parts[1]}.";
        var resigned512 = $"{Base64Url("""{"alg":"HS512","typ":"JWT"}""")}.{parts[1]}.{parts[2]}{parts[2]}";
        var tampered = $"{parts[0]}.{Base64Url(Encoding.UTF8.GetString(Base64UrlDecode(parts[1])).Replace("token-refused", "token-refused-other", StringComparison.Ordinal))}.{parts[2]}";
        var before = await _gateway.Emulator.ConnectionCountAsync();

        await AssertAgentRefusedAsync(proxy, "Bearer " + unsigned, HttpStatusCode.Unauthorized, "invalid_token");
        await AssertAgentRefusedAsync(proxy, "Bearer " + resigned512, HttpStatusCode.Unauthorized, "invalid_token");
        await AssertAgentRefusedAsync(proxy, "Bearer " + tampered, HttpStatusCode.Unauthorized, "invalid_token");
        await AssertAgentRefusedAsync(proxy, "Bearer not.a.jwt", HttpStatusCode.Unauthorized, "invalid_token");
        await AssertAgentRefusedAsync(proxy, "Bearer " + ofDisabledCustomer, HttpStatusCode.Forbidden, "customer_disabled");

        // Revoking the key ends the tokens it minted, though they have not expired.
        (await proxy.Admin.DeleteAsync(new Uri($"/admin/v1/keys/{keyId}", UriKind.Relative))).EnsureSuccessStatusCode();
        await AssertAgentRefusedAsync(proxy, "Bearer " + ofRevokedKey, HttpStatusCode.Unauthorized, "key_revoked");

        // Same machine, same clock: past exp plus the gateway's 2 s skew the token is expired (no fixed sleep: the
        // wait is to an instant, and lateness only makes it more expired).
        var expiredAt = DateTimeOffset.FromUnixTimeSeconds(ExpiresAt(shortLived)) + TimeSpan.FromSeconds(2) + TimeSpan.FromMilliseconds(200);
        var wait = expiredAt - DateTimeOffset.UtcNow;
        Assert.InRange(wait, TimeSpan.Zero, TimeSpan.FromSeconds(5));
        await Task.Delay(wait);
        await AssertAgentRefusedAsync(proxy, "Bearer " + shortLived, HttpStatusCode.Unauthorized, "token_expired");

        Assert.Equal(before, await _gateway.Emulator.ConnectionCountAsync());
        var metrics = await proxy.ScrapeAsync();
        // Each refusal is asserted twice (ClientWebSocket, then a raw upgrade for the body).
        Assert.Equal(8, metrics.Sum("dgproxy_auth_failures_total", "reason=invalid_token"));
        Assert.Equal(2, metrics.Sum("dgproxy_auth_failures_total", "reason=token_expired"));
        Assert.Equal(2, metrics.Sum("dgproxy_auth_failures_total", "reason=key_revoked"));
    }

    internal static async Task<(HttpStatusCode Status, JsonElement Body)> GrantAsync(Uri proxyUrl, string? authorization, string? body)
    {
        using var http = new HttpClient { BaseAddress = proxyUrl };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/v1/auth/grant", UriKind.Relative));
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        }

        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    private static async Task<string> TokenAsync(Uri proxyUrl, string secret, int ttlSeconds)
    {
        var (status, grant) = await GrantAsync(proxyUrl, "Token " + secret, $$"""{"ttl_seconds":{{ttlSeconds}}}""");
        Assert.Equal(HttpStatusCode.OK, status);
        return grant.GetProperty("access_token").GetString()!;
    }

    private static async Task<string> AssertGrantRefusedAsync(Uri proxyUrl, string? authorization, string? body, HttpStatusCode status, string error)
    {
        var (actual, answer) = await GrantAsync(proxyUrl, authorization, body);
        Assert.Equal((status, error), (actual, answer.GetProperty("error").GetString()));
        Assert.False(answer.TryGetProperty("access_token", out JsonElement _));
        return answer.GetProperty("message").GetString()!;
    }

    private static async Task AssertAgentRefusedAsync(ProxyServer proxy, string authorization, HttpStatusCode status, string error)
    {
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", authorization);
        socket.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(proxy.AgentUrl(), CancellationToken.None));
        Assert.Equal(status, socket.HttpStatusCode);

        var raw = await AdmissionTests.RawUpgradeAsync(
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: " + authorization + "\r\n",
            proxy.ProxyUrl);
        Assert.Contains($"\"error\":\"{error}\"", raw, StringComparison.Ordinal);
    }

    private static async Task<string> RunSessionAsync(AgentTestClient client)
    {
        await using (client)
        {
            var requestId = (await client.ReceiveJsonAsync("Welcome")).GetProperty("request_id").GetString()!;
            await client.SendTextAsync(AgentTestClient.SettingsJson());
            await client.ReceiveJsonAsync("SettingsApplied");
            await client.SendBinaryAsync(640);
            await client.CloseAsync();
            return requestId;
        }
    }

    private static long ExpiresAt(string token)
    {
        using var payload = JsonDocument.Parse(Base64UrlDecode(token.Split('.')[1]));
        return payload.RootElement.GetProperty("exp").GetInt64();
    }

    private static string Base64Url(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] Base64UrlDecode(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded.PadRight(padded.Length + ((4 - (padded.Length % 4)) % 4), '='));
    }
}
