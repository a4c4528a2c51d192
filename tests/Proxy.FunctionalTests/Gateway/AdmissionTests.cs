using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Gateway;

/// <summary>Every refusal happens before anything reaches the upstream, with a status and a JSON body.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class AdmissionTests
{
    private readonly GatewayFixture _gateway;

    public AdmissionTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task Missing_unknown_revoked_and_expired_keys_get_401_without_an_upstream_connection()
    {
        var proxy = _gateway.Proxy;
        var (revokedId, revoked) = await proxy.IssueKeyAsync("admission-401");
        (await proxy.Admin.DeleteAsync(new Uri($"/admin/v1/keys/{revokedId}", UriKind.Relative))).EnsureSuccessStatusCode();
        var (_, expiring) = await proxy.IssueKeyAsync("admission-401", DateTimeOffset.UtcNow.AddMilliseconds(1500));
        await Task.Delay(1700);
        var before = await _gateway.Emulator.ConnectionCountAsync();

        await AssertRefusedAsync(HttpStatusCode.Unauthorized, "missing_key", null);
        await AssertRefusedAsync(HttpStatusCode.Unauthorized, "invalid_key", "Token dgpk_not-a-real-key");
        await AssertRefusedAsync(HttpStatusCode.Unauthorized, "invalid_token", "Bearer something");
        await AssertRefusedAsync(HttpStatusCode.Unauthorized, "key_revoked", "Token " + revoked);
        await AssertRefusedAsync(HttpStatusCode.Unauthorized, "key_expired", "Token " + expiring);

        Assert.Equal(before, await _gateway.Emulator.ConnectionCountAsync());
    }

    [Fact]
    public async Task A_disabled_customer_gets_403_and_is_admitted_again_when_enabled()
    {
        var proxy = _gateway.Proxy;
        var (_, secret) = await proxy.IssueKeyAsync("admission-disabled");
        await proxy.PutCustomerAsync("admission-disabled", new { disabled = true });
        var before = await _gateway.Emulator.ConnectionCountAsync();

        await AssertRefusedAsync(HttpStatusCode.Forbidden, "customer_disabled", "Token " + secret);
        Assert.Equal(before, await _gateway.Emulator.ConnectionCountAsync());

        await proxy.PutCustomerAsync("admission-disabled", new { disabled = false });
        var client = await AgentTestClient.ConnectWithHeaderAsync(proxy.AgentUrl(), secret);
        await using var _ = client;
        await client.ReceiveJsonAsync("Welcome");
        await client.CloseAsync();
    }

    [Fact]
    public async Task Requests_that_are_not_websocket_upgrades_get_426_or_400()
    {
        using var http = new HttpClient { BaseAddress = _gateway.Proxy.ProxyUrl };
        using var plain = await http.GetAsync(new Uri("/v1/agent/converse", UriKind.Relative));
        Assert.Equal(HttpStatusCode.UpgradeRequired, plain.StatusCode);
        Assert.Equal("websocket_required", (await plain.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());

        using var post = await http.PostAsync(new Uri("/agent", UriKind.Relative), new StringContent("{}"));
        Assert.Equal(HttpStatusCode.UpgradeRequired, post.StatusCode);

        var badKey = await RawUpgradeAsync("Sec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n");
        Assert.StartsWith("HTTP/1.1 400", badKey, StringComparison.Ordinal);
        Assert.Contains("invalid_websocket_key", badKey, StringComparison.Ordinal);

        var badVersion = await RawUpgradeAsync("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n");
        Assert.StartsWith("HTTP/1.1 426", badVersion, StringComparison.Ordinal);
        Assert.Contains("Sec-WebSocket-Version: 13", badVersion, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task An_unreachable_upstream_gets_502_and_an_unbilled_audit_record()
    {
        // A port nothing listens on.
        await using var proxy = await _gateway.StartProxyAsync($"ws://127.0.0.1:{FreePort.Next()}");
        var (_, secret) = await proxy.IssueKeyAsync("admission-unreachable");

        var response = await RawUpgradeAsync(
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Token " + secret + "\r\n",
            proxy.ProxyUrl);
        Assert.StartsWith("HTTP/1.1 502", response, StringComparison.Ordinal);
        Assert.Contains("\"error\":\"upstream_unreachable\"", response, StringComparison.Ordinal);

        var record = await proxy.WaitForClosedRecordAsync("admission-unreachable", _ => true);
        Assert.Equal("upstream_error", record.GetProperty("close_reason").GetString());
        Assert.Equal(0, record.GetProperty("billable_ms").GetInt64());
        Assert.Equal(JsonValueKind.Null, record.GetProperty("duration_ms").ValueKind);
        Assert.Equal(JsonValueKind.Null, record.GetProperty("upstream_opened_at_ms").ValueKind);
        Assert.Equal(JsonValueKind.Null, record.GetProperty("upstream_status").ValueKind);
        Assert.Equal("none", record.GetProperty("close_initiator").GetString());
    }

    private async Task AssertRefusedAsync(HttpStatusCode status, string error, string? authorization)
    {
        using var socket = new ClientWebSocket();
        if (authorization is not null)
        {
            socket.Options.SetRequestHeader("Authorization", authorization);
        }

        socket.Options.CollectHttpResponseDetails = true;
        var exception = await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(_gateway.Proxy.AgentUrl(), CancellationToken.None));
        Assert.Equal(status, socket.HttpStatusCode);

        // The JSON body, read with a plain upgrade request (ClientWebSocket does not expose it).
        var raw = await RawUpgradeAsync(
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
            (authorization is null ? string.Empty : "Authorization: " + authorization + "\r\n"));
        Assert.Contains($"\"error\":\"{error}\"", raw, StringComparison.Ordinal);
        Assert.NotNull(exception);
    }

    private Task<string> RawUpgradeAsync(string extraHeaders) => RawUpgradeAsync(extraHeaders, _gateway.Proxy.ProxyUrl);

    /// <summary>A hand-written upgrade request, for what ClientWebSocket will not send or not show.</summary>
    internal static async Task<string> RawUpgradeAsync(string extraHeaders, Uri proxyUrl, string pathAndQuery = "/v1/agent/converse")
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(proxyUrl.Host, proxyUrl.Port);
        var stream = tcp.GetStream();
        var request = $"GET {pathAndQuery} HTTP/1.1\r\nHost: {proxyUrl.Authority}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n{extraHeaders}\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        var buffer = new byte[8192];
        var text = new StringBuilder();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (true)
        {
            var read = await stream.ReadAsync(buffer, timeout.Token);
            if (read == 0)
            {
                break;
            }

            text.Append(Encoding.UTF8.GetString(buffer, 0, read));
            var all = text.ToString();
            var headerEnd = all.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (headerEnd >= 0 && all.Contains("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                var length = int.Parse(System.Text.RegularExpressions.Regex.Match(all, @"Content-Length:\s*(\d+)", System.Text.RegularExpressions.RegexOptions.IgnoreCase).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                if (Encoding.UTF8.GetByteCount(all[(headerEnd + 4)..]) >= length)
                {
                    break;
                }
            }
        }

        return text.ToString();
    }
}
