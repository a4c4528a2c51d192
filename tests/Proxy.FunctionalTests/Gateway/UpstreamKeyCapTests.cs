using System.Net;
using System.Net.WebSockets;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Gateway;

/// <summary><c>Limits:MaxSessionsPerUpstreamKey</c>: sessions of different customers on the same Deepgram key share
/// the key's cap on the instance; one over it is refused with 429 before anything is dialed.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class UpstreamKeyCapTests
{
    private readonly GatewayFixture _gateway;

    public UpstreamKeyCapTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task A_deepgram_key_at_its_cap_refuses_another_customers_session_with_429_until_one_ends()
    {
        await using var proxy = await _gateway.StartProxyAsync(settings: new Dictionary<string, string> { ["Limits:MaxSessionsPerUpstreamKey"] = "1" });
        var (_, first) = await proxy.IssueKeyAsync("upstream-cap-a");
        var (_, second) = await proxy.IssueKeyAsync("upstream-cap-b");

        // Both customers go upstream with the default Deepgram key.
        var (holder, _) = await AgentTestClient.StartSessionAsync(proxy.AgentUrl(), first);
        await using (holder)
        {
            var upstreamBefore = await _gateway.Emulator.ConnectionCountAsync();
            var raw = await AdmissionTests.RawUpgradeAsync(
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Token " + second + "\r\n",
                proxy.ProxyUrl);
            Assert.StartsWith("HTTP/1.1 429", raw, StringComparison.Ordinal);
            Assert.Contains("\"error\":\"upstream_concurrency_limit\"", raw, StringComparison.Ordinal);
            Assert.Matches(@"(?im)^Retry-After: \d+\r$", raw);
            Assert.Equal(upstreamBefore, await _gateway.Emulator.ConnectionCountAsync());
            await holder.CloseAsync();
        }

        // The holder's place comes free once its session has ended (its record is written as it leaves).
        await proxy.WaitForClosedRecordAsync("upstream-cap-a", _ => true);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            using var socket = new ClientWebSocket();
            socket.Options.SetRequestHeader("Authorization", "Token " + second);
            socket.Options.CollectHttpResponseDetails = true;
            try
            {
                await socket.ConnectAsync(proxy.AgentUrl(), CancellationToken.None);
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                break;
            }
            catch (WebSocketException) when (socket.HttpStatusCode == HttpStatusCode.TooManyRequests && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }
}
