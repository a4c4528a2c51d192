using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Reliability;

/// <summary>Clients that vanish mid-frame or stop reading: bounded memory, a record, and no effect on others.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class ClientFaultTests
{
    private readonly GatewayFixture _gateway;

    public ClientFaultTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task A_client_resetting_its_connection_mid_frame_is_recorded_as_a_client_error()
    {
        var proxy = _gateway.Proxy;
        var (_, secret) = await proxy.IssueKeyAsync("client-reset");

        // Who ended first is a race between the client's abort and the tunnel's teardown (once lost now and then):
        // several resets, each must be the client's fault; the last one is also timed against the emulator.
        const int Attempts = 10;
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var client = await RawWebSocketClient.ConnectAsync(proxy.ProxyUrl, secret);
            var (_, welcome) = await client.ReadFrameAsync(TimeSpan.FromSeconds(10));
            var requestId = System.Text.Json.JsonDocument.Parse(welcome).RootElement.GetProperty("request_id").GetString()!;

            // An established session (the agent has applied its Settings), then the reset in the middle of a frame.
            await client.SendTextAsync(AgentTestClient.SettingsJson());
            while (!System.Text.Encoding.UTF8.GetString((await client.ReadFrameAsync(TimeSpan.FromSeconds(10))).Payload).Contains("SettingsApplied", StringComparison.Ordinal))
            {
            }

            var mask = RandomNumberGenerator.GetBytes(4);
            await client.SendHeaderAsync(0x2, 64 * 1024, mask);
            await client.SendPayloadAsync(RandomNumberGenerator.GetBytes(1000), mask, 0);
            client.Reset();

            // The teardown is timed in both processes: asking the proxy and Redis for the record at that very moment
            // would compete with it for the two cores.
            await Task.Delay(200);
            var record = await proxy.WaitForClosedRecordByRequestIdAsync("client-reset", requestId);
            Assert.True("client_error" == record.GetProperty("close_reason").GetString(), $"attempt {attempt}: {record.GetRawText()}");
            Assert.Equal(1006, record.GetProperty("close_code").GetInt32());
            await client.DisposeAsync();
            if (attempt == Attempts - 1)
            {
                var upstream = await _gateway.Emulator.WaitForClosedConnectionAsync(requestId);
                var drift = record.GetProperty("duration_ms").GetInt64() - upstream.GetProperty("duration_ms").GetDouble();
                MeasurementLedger.DurationDrift(nameof(A_client_resetting_its_connection_mid_frame_is_recorded_as_a_client_error), drift);
                Assert.True(Math.Abs(drift) <= 5, $"record {record.GetRawText()} emulator {upstream.GetRawText()}");
            }
        }

        // The proxy is unharmed.
        var next = await AgentTestClient.ConnectWithHeaderAsync(proxy.AgentUrl(), secret);
        await using var _ = next;
        await next.ReceiveJsonAsync("Welcome");
        await next.CloseAsync();
    }

    [Fact]
    public async Task A_client_that_stops_reading_cannot_grow_the_proxys_memory_and_is_cut_by_its_idle_timeout()
    {
        var proxy = await _gateway.StartProxyAsync(settings: GatewayFixture.ShortSessionControl);
        await using var _ = proxy;
        var (_, secret) = await proxy.IssueKeyAsync("client-stalled");
        var (client, requestId) = await AgentTestClient.StartSessionAsync(proxy.AgentUrl(), secret);
        await using var __ = client;
        var rssBefore = ResidentKb(proxy.Process.Id);

        // The agent pushes 4,000 × 64 KB (250 MB) as fast as it can; the client reads none of it.
        await client.SendTextAsync("""{"type":"EmulatorSendAudio","frames":4000,"bytes":65536,"interval_ms":0}""");
        var record = await proxy.WaitForClosedRecordByRequestIdAsync("client-stalled", requestId);
        var rssAfter = ResidentKb(proxy.Process.Id);

        Assert.Equal("idle_timeout", record.GetProperty("close_reason").GetString());
        Assert.Equal("proxy", record.GetProperty("close_initiator").GetString());
        Assert.True(rssAfter - rssBefore < 64 * 1024, $"the proxy grew from {rssBefore} KB to {rssAfter} KB");
        Assert.True(record.GetProperty("bytes_out").GetInt64() < 64L * 1024 * 1024, $"{record.GetProperty("bytes_out").GetInt64()} bytes reached a client that read nothing");
    }

    private static long ResidentKb(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }
}
