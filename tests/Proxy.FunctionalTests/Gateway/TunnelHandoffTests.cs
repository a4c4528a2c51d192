using System.Net.WebSockets;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Gateway;

/// <summary>
/// The session's tunnel runs on the client's connection after Kestrel's HTTP layer has let go of it. Kestrel still
/// holds timers for that layer: its drain timeout (Limits:MinResponseDataRate's 5 s grace plus a heartbeat) cut the
/// connection with a reset about 7 s after the request ended, until the handoff switched it off.
/// </summary>
[Collection(GatewayTestGroup.Name)]
public sealed class TunnelHandoffTests
{
    private readonly GatewayFixture _gateway;

    public TunnelHandoffTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task A_session_outlives_the_timers_of_the_http_request_it_started_as()
    {
        var proxy = _gateway.Proxy;
        var (_, secret) = await proxy.IssueKeyAsync("handoff-long");
        await proxy.PatchSettingsAsync("handoff-long", new { idle_timeout_ms = 0 });
        var (client, requestId) = await AgentTestClient.StartSessionAsync(proxy.AgentUrl(), secret);
        await using (client)
        {
            await using (client.SendEvery(TimeSpan.FromSeconds(2), """{"type":"KeepAlive"}"""))
            {
                await Task.Delay(TimeSpan.FromSeconds(9));
            }

            Assert.Equal(WebSocketState.Open, client.Socket.State);
            await client.SendTextAsync("""{"type":"InjectUserMessage","content":"still there?"}""");
            var answer = await client.ReceiveJsonAsync("ConversationText");
            Assert.Equal("user", answer.GetProperty("role").GetString());
            await client.CloseAsync();
        }

        var record = await proxy.WaitForClosedRecordByRequestIdAsync("handoff-long", requestId);
        Assert.Equal("client", record.GetProperty("close_initiator").GetString());
        Assert.Equal(1000, record.GetProperty("close_code").GetInt32());
        Assert.True(record.GetProperty("duration_ms").GetInt64() >= 9000, record.GetRawText());
    }
}
