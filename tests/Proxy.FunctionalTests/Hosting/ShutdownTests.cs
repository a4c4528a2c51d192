using System.Net.WebSockets;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Hosting;

[Collection(GatewayTestGroup.Name)]
public sealed class ShutdownTests
{
    private readonly GatewayFixture _gateway;

    public ShutdownTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task A_session_live_when_the_proxy_gets_sigterm_is_finalized_as_shutdown_before_exit()
    {
        var proxy = await _gateway.StartProxyAsync();
        await using var _ = proxy;
        var (_, secret) = await proxy.IssueKeyAsync("shutdown-live");
        var client = await AgentTestClient.ConnectWithHeaderAsync(proxy.AgentUrl(), secret);
        await using var __ = client;
        var requestId = (await client.ReceiveJsonAsync("Welcome")).GetProperty("request_id").GetString()!;
        await client.SendTextAsync(AgentTestClient.SettingsJson());
        await client.ReceiveJsonAsync("SettingsApplied");

        var exitCode = await proxy.Process.TerminateAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, exitCode);

        // The record is final in Redis the moment the process has exited: read it from Redis directly.
        var server = _gateway.Redis.Connection!.GetServer(_gateway.Redis.Connection.GetEndPoints()[0]);
        var sessionKey = Assert.Single(server.Keys(pattern: "dgp:{shutdown-live}:session:*"));
        var record = (await _gateway.Redis.Database.HashGetAllAsync(sessionKey)).ToDictionary(e => e.Name.ToString(), e => e.Value.ToString());
        Assert.Equal("closed", record["status"]);
        Assert.Equal("shutdown", record["close_reason"]);
        Assert.Equal(requestId, record["deepgram_request_id"]);
        Assert.True(long.Parse(record["billable_ms"], System.Globalization.CultureInfo.InvariantCulture) >= 1000);

        await Assert.ThrowsAnyAsync<WebSocketException>(client.ReceiveCloseAsync);
    }
}
