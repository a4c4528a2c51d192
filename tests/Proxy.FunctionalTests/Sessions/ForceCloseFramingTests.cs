using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Sessions;

/// <summary>
/// A forced close that arrives in the middle of a large frame waits for the frame to end, in each direction, so
/// both peers only ever see whole, valid frames: the rest of the frame, then the proxy's own.
/// </summary>
[Collection(GatewayTestGroup.Name)]
public sealed class ForceCloseFramingTests
{
    private readonly GatewayFixture _gateway;

    public ForceCloseFramingTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task A_close_during_a_large_agent_frame_reaches_the_client_after_the_whole_frame()
    {
        var proxy = _gateway.Proxy;
        var (_, secret) = await proxy.IssueKeyAsync("force-close-downstream");
        var (client, requestId) = await AgentTestClient.StartSessionAsync(proxy.AgentUrl(), secret);
        await using var _ = client;

        // A 16 MiB frame cannot fit in the buffers between emulator, proxy and a client that is not reading: the
        // proxy is stuck in the middle of it when the close order comes.
        const int FrameBytes = 16 * 1024 * 1024;
        await client.SendTextAsync($$"""{"type":"EmulatorSendAudio","frames":1,"bytes":{{FrameBytes}},"interval_ms":0}""");
        await Task.Delay(1000);
        var sessionId = (await proxy.WaitForOpenRecordAsync("force-close-downstream")).GetProperty("session_id").GetString()!;
        using (var close = await proxy.Admin.DeleteAsync(new Uri($"/admin/v1/sessions/{sessionId}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Accepted, close.StatusCode);
        }

        await Task.Delay(300);

        // Now read: the whole frame, then the Error, then the Close.
        var buffer = new byte[1 << 20];
        long received = 0;
        ValueWebSocketReceiveResult result;
        do
        {
            result = await client.Socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
            Assert.Equal(WebSocketMessageType.Binary, result.MessageType);
            received += result.Count;
        }
        while (!result.EndOfMessage);

        Assert.Equal(FrameBytes, received);
        var seen = await client.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("SESSION_CLOSED_BY_ADMIN", Assert.Single(seen.Messages).Code);
        Assert.True(seen.Closed);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, client.CloseStatus);

        var record = await proxy.WaitForClosedRecordByRequestIdAsync("force-close-downstream", requestId);
        Assert.Equal("admin_closed", record.GetProperty("close_reason").GetString());
    }

    [Fact]
    public async Task A_close_during_a_large_client_frame_reaches_the_upstream_after_the_whole_frame()
    {
        var proxy = _gateway.Proxy;
        var (_, secret) = await proxy.IssueKeyAsync("force-close-upstream");
        await using var client = await RawWebSocketClient.ConnectAsync(proxy.ProxyUrl, secret);
        var welcome = await ReadJsonAsync(client);
        var requestId = welcome.GetProperty("request_id").GetString()!;
        await client.SendTextAsync(AgentTestClient.SettingsJson());
        Assert.Equal("SettingsApplied", (await ReadJsonAsync(client)).GetProperty("type").GetString());

        // Half of a 1 MiB audio frame, then nothing while the close order comes.
        const int FrameBytes = 1024 * 1024;
        var payload = RandomNumberGenerator.GetBytes(FrameBytes);
        var mask = RandomNumberGenerator.GetBytes(4);
        await client.SendHeaderAsync(0x2, FrameBytes, mask);
        await client.SendPayloadAsync(payload[..(FrameBytes / 2)], mask, 0);
        var sessionId = (await proxy.WaitForOpenRecordAsync("force-close-upstream")).GetProperty("session_id").GetString()!;
        using (var close = await proxy.Admin.DeleteAsync(new Uri($"/admin/v1/sessions/{sessionId}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Accepted, close.StatusCode);
        }

        // The client's side is between messages: its Error and Close come at once, as whole frames.
        var error = await ReadJsonAsync(client);
        Assert.Equal("SESSION_CLOSED_BY_ADMIN", error.GetProperty("code").GetString());
        var (opcode, closePayload) = await client.ReadFrameAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(0x8, opcode);
        Assert.Equal(1000, (closePayload[0] << 8) | closePayload[1]);

        // The rest of the frame goes through; only then does the upstream get the proxy's Close.
        await client.SendPayloadAsync(payload[(FrameBytes / 2)..], mask, FrameBytes / 2);
        var upstream = await _gateway.Emulator.WaitForClosedConnectionAsync(requestId);
        Assert.Equal(FrameBytes, upstream.GetProperty("binary_bytes_received").GetInt64());
        Assert.Equal(1000, upstream.GetProperty("close_status").GetInt32());
        Assert.Equal("client", upstream.GetProperty("close_initiator").GetString());
        Assert.Equal("client_close", upstream.GetProperty("end_reason").GetString());

        var record = await proxy.WaitForClosedRecordByRequestIdAsync("force-close-upstream", requestId);
        Assert.Equal("admin_closed", record.GetProperty("close_reason").GetString());
        Assert.Equal("proxy", record.GetProperty("close_initiator").GetString());
    }

    private static async Task<JsonElement> ReadJsonAsync(RawWebSocketClient client)
    {
        var (opcode, payload) = await client.ReadFrameAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0x1, opcode);
        return JsonDocument.Parse(Encoding.UTF8.GetString(payload)).RootElement.Clone();
    }
}
