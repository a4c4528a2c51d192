using System.Net.Http.Json;
using System.Text.Json;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Emulator;

/// <summary>The emulator's connection records as the precision benchmark reads them: each one names the client's TCP
/// port, which is how a packet capture's connection is tied to its record.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class EmulatorConnectionRecordTests
{
    [Fact]
    public async Task Each_connection_record_carries_the_tcp_port_its_client_connected_from()
    {
        await using var emulator = await EmulatorServer.StartAsync();
        await using var first = await RawWebSocketClient.ConnectAsync(new Uri(emulator.WebSocketUrl), EmulatorServer.DefaultApiKey);
        await using var second = await RawWebSocketClient.ConnectAsync(new Uri(emulator.WebSocketUrl), EmulatorServer.DefaultApiKey);

        // The record is stored just after the 101 is written, so the client may read the 101 before it is listed.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        JsonElement connections;
        while ((connections = await emulator.Api.GetFromJsonAsync<JsonElement>("/emulator/v1/connections")).GetArrayLength() < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "the emulator did not list both connections within 10 s");
            await Task.Delay(20);
        }

        var ports = connections.EnumerateArray().Select(c => c.GetProperty("remote_port").GetInt32()).Order().ToArray();
        Assert.Equal(new[] { first.LocalPort, second.LocalPort }.Order().ToArray(), ports);
    }
}
