using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Gateway;

/// <summary>A customer pinned to another upstream (<c>upstream_url</c>, e.g. Deepgram's EU endpoint): its sessions
/// dial that host, everyone else's <c>Upstream:Url</c>; only hosts the configuration allows can be pinned; unpinning
/// moves the next session back, and a live session keeps the host it opened with.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class UpstreamPinningTests
{
    private readonly GatewayFixture _gateway;

    public UpstreamPinningTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task A_pinned_customers_sessions_reach_the_pinned_emulator_and_unpinning_moves_the_next_session_back()
    {
        await using var eu = await EmulatorServer.StartAsync();
        await using var proxy = await _gateway.StartProxyAsync(settings: new Dictionary<string, string> { ["Upstream:AllowedUrls:0"] = eu.WebSocketUrl });
        var (_, pinnedKey) = await proxy.IssueKeyAsync("pinned-eu");
        var (_, otherKey) = await proxy.IssueKeyAsync("pinned-other");

        // A host not on the list cannot be pinned: an admin token must not make the gateway a relay to anywhere.
        using (var refused = await proxy.Admin.PatchAsJsonAsync(new Uri("/admin/v1/customers/pinned-eu/settings", UriKind.Relative), new { upstream_url = "ws://127.0.0.1:1" }))
        {
            var body = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("invalid_settings", body.GetProperty("error").GetString());
            Assert.Contains("upstream_url ws://127.0.0.1:1 is not an upstream the gateway may use", body.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        var view = await proxy.PatchSettingsAsync("pinned-eu", new { upstream_url = eu.WebSocketUrl });
        Assert.Equal(eu.WebSocketUrl, view.GetProperty("overrides").GetProperty("upstream_url").GetString());
        Assert.Equal(eu.WebSocketUrl, view.GetProperty("effective").GetProperty("upstream_url").GetString());

        var (pinned, pinnedRequest) = await AgentTestClient.StartSessionAsync(proxy.AgentUrl(), pinnedKey);
        await using (pinned)
        {
            var (other, otherRequest) = await AgentTestClient.StartSessionAsync(proxy.AgentUrl(), otherKey);
            await using (other)
            {
                Assert.True(await HasConnectionAsync(eu, pinnedRequest), "the pinned customer's session did not reach the pinned emulator");
                Assert.False(await HasConnectionAsync(_gateway.Emulator, pinnedRequest));
                Assert.True(await HasConnectionAsync(_gateway.Emulator, otherRequest), "another customer's session did not reach Upstream:Url");
                Assert.False(await HasConnectionAsync(eu, otherRequest));
                await other.CloseAsync();
            }

            // Unpinned while its session is live: the next session goes to Upstream:Url.
            var unpinned = await proxy.PatchSettingsAsync("pinned-eu", new { upstream_url = (string?)null });
            Assert.Equal(JsonValueKind.Null, unpinned.GetProperty("overrides").GetProperty("upstream_url").ValueKind);
            Assert.Equal(_gateway.Emulator.WebSocketUrl, unpinned.GetProperty("effective").GetProperty("upstream_url").GetString());
            var (next, nextRequest) = await AgentTestClient.StartSessionAsync(proxy.AgentUrl(), pinnedKey);
            await using (next)
            {
                Assert.True(await HasConnectionAsync(_gateway.Emulator, nextRequest), "the unpinned customer's next session did not reach Upstream:Url");
                Assert.False(await HasConnectionAsync(eu, nextRequest));
                await next.CloseAsync();
            }

            // The live session kept the host it opened with, to its normal end there.
            await pinned.CloseAsync();
            Assert.Equal("closed", (await eu.WaitForClosedConnectionAsync(pinnedRequest)).GetProperty("state").GetString());
        }

        var record = await proxy.WaitForClosedRecordAsync("pinned-eu", r => r.GetProperty("deepgram_request_id").GetString() == pinnedRequest);
        Assert.Equal("client_closed", record.GetProperty("close_reason").GetString());
    }

    private static async Task<bool> HasConnectionAsync(EmulatorServer emulator, string requestId)
    {
        using var response = await emulator.Api.GetAsync(new Uri($"/emulator/v1/connections/{requestId}", UriKind.Relative));
        return response.StatusCode == HttpStatusCode.OK;
    }
}
