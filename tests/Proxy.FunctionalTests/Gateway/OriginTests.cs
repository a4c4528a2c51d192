using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Gateway;

/// <summary>A customer's <c>allowed_origins</c>: a browser page not on it is refused before anything reaches Deepgram;
/// a listed page and a server-side client (no Origin) get their session.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class OriginTests
{
    private static readonly string[] AppOrigin = ["https://App.Example.com"];
    private static readonly string[] OriginWithPath = ["https://app.example.com/login"];

    private readonly GatewayFixture _gateway;

    public OriginTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task An_origin_not_allowed_gets_403_and_a_listed_origin_or_none_gets_a_session()
    {
        var proxy = _gateway.Proxy;
        var (_, secret) = await proxy.IssueKeyAsync("origin-listed");
        var settings = await proxy.PatchSettingsAsync("origin-listed", new { allowed_origins = AppOrigin });
        Assert.Equal("https://app.example.com", settings.GetProperty("overrides").GetProperty("allowed_origins")[0].GetString());
        var upstreamBefore = await _gateway.Emulator.ConnectionCountAsync();

        using (var refused = new ClientWebSocket())
        {
            refused.Options.SetRequestHeader("Authorization", "Token " + secret);
            refused.Options.SetRequestHeader("Origin", "https://evil.example.com");
            refused.Options.CollectHttpResponseDetails = true;
            await Assert.ThrowsAsync<WebSocketException>(() => refused.ConnectAsync(proxy.AgentUrl(), CancellationToken.None));
            Assert.Equal(HttpStatusCode.Forbidden, refused.HttpStatusCode);
        }

        var raw = await AdmissionTests.RawUpgradeAsync(
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: https://evil.example.com\r\nAuthorization: Token " + secret + "\r\n",
            proxy.ProxyUrl);
        Assert.StartsWith("HTTP/1.1 403", raw, StringComparison.Ordinal);
        Assert.Contains("\"error\":\"origin_not_allowed\"", raw, StringComparison.Ordinal);

        // Refused before dialing: Deepgram saw no connection for either attempt.
        Assert.Equal(upstreamBefore, await _gateway.Emulator.ConnectionCountAsync());

        await OpenSessionAsync(secret, "https://app.example.com");
        await OpenSessionAsync(secret, origin: null);

        Assert.True(await RejectionsCountedAsync(proxy), "dgproxy_admission_rejected_total{reason=origin} did not reach 2");
    }

    [Fact]
    public async Task An_origin_with_a_path_is_refused_with_400_naming_allowed_origins()
    {
        var proxy = _gateway.Proxy;
        await proxy.PutCustomerAsync("origin-invalid");

        using var response = await proxy.Admin.PatchAsJsonAsync(
            new Uri("/admin/v1/customers/origin-invalid/settings", UriKind.Relative),
            new { allowed_origins = OriginWithPath });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("invalid_settings", error.GetProperty("error").GetString());
        Assert.Contains("allowed_origins", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    private async Task OpenSessionAsync(string secret, string? origin)
    {
        var client = await AgentTestClient.ConnectWithHeaderAsync(_gateway.Proxy.AgentUrl(), secret, options =>
        {
            if (origin is not null)
            {
                options.SetRequestHeader("Origin", origin);
            }
        });
        await using var _ = client;
        var requestId = (await client.ReceiveJsonAsync("Welcome")).GetProperty("request_id").GetString()!;
        await client.CloseAsync();
        var record = await _gateway.Proxy.WaitForClosedRecordByRequestIdAsync("origin-listed", requestId);
        Assert.Equal("client_closed", record.GetProperty("close_reason").GetString());
    }

    private static async Task<bool> RejectionsCountedAsync(ProxyServer proxy)
    {
        // The exporter may lag a scrape behind; poll within a bound.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if ((await proxy.ScrapeAsync()).Sum("dgproxy_admission_rejected_total", "reason=origin") >= 2)
            {
                return true;
            }

            await Task.Delay(100);
        }

        return false;
    }
}
