using System.Globalization;
using System.Text.Json;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Reliability;

/// <summary>An instance cut off from Redis while its sessions go on: another instance's reaper finalizes them as
/// orphaned with an estimate; when the owner later finalizes them (from its spool, or directly), its measurement
/// replaces the estimate, and they still count once.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class NetworkPartitionTests
{
    private const string Customer = "partitioned";

    private readonly GatewayFixture _gateway;

    public NetworkPartitionTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task Sessions_reaped_during_a_partition_are_replaced_by_their_owners_measurement_when_it_finalizes_them_too()
    {
        var reaperSettings = new Dictionary<string, string>(GatewayFixture.ShortSessionControl) { ["Storage:ReaperInterval"] = "00:00:01" };
        await using var survivor = await _gateway.StartProxyAsync(settings: reaperSettings);
        await using var relay = TcpRelay.To(_gateway.Redis.Port);
        var ownerSettings = new Dictionary<string, string>(GatewayFixture.ShortSessionControl) { ["Redis:Configuration"] = $"127.0.0.1:{relay.Port}" };
        await using var owner = await _gateway.StartProxyAsync(settings: ownerSettings);
        var (_, secret) = await owner.IssueKeyAsync(Customer);
        await owner.PatchSettingsAsync(Customer, new { idle_timeout_ms = 0 });

        // Session A ends while its instance is cut off (its final record goes to the spool), B after the partition
        // heals (its final record goes straight to Redis).
        var sessions = new List<(AgentTestClient Client, IAsyncDisposable Audio, string RequestId)>();
        for (var i = 0; i < 2; i++)
        {
            var (client, requestId) = await AgentTestClient.StartSessionAsync(owner.AgentUrl(), secret);
            sessions.Add((client, client.StreamAudio(TimeSpan.FromMilliseconds(40)), requestId));
        }

        // A heartbeat (1 s here) puts a last sign of life on both open records, then the partition.
        await Task.Delay(1500);
        relay.Cut();
        var reaped = await survivor.WaitForClosedRecordsAsync(Customer, 2, TimeSpan.FromSeconds(30));
        Assert.All(reaped, r => Assert.Equal("orphaned", r.GetProperty("close_reason").GetString()));
        Assert.All(reaped, r => Assert.True(r.GetProperty("estimated").GetBoolean()));

        // The sessions themselves never noticed: they still work end to end.
        foreach (var (client, audio, _) in sessions)
        {
            await audio.DisposeAsync();
            await client.SendTextAsync("""{"type":"InjectUserMessage","content":"still there?"}""");
            await client.ReceiveJsonAsync("ConversationText");
        }

        var (first, _, firstRequest) = sessions[0];
        await first.CloseAsync();
        var sessionOf = reaped.ToDictionary(r => r.GetProperty("deepgram_request_id").GetString()!, r => r.GetProperty("session_id").GetString()!);
        await owner.Process.WaitForLineAsync($"The final record of session {sessionOf[firstRequest]} went to the local spool", TimeSpan.FromSeconds(10));

        relay.Restore();
        await owner.WaitForEmptySpoolAsync(TimeSpan.FromSeconds(30));
        var (second, _, secondRequest) = sessions[1];
        await second.CloseAsync();

        // The owner's measurements replace the reaper's estimates: the books move by the difference, never count twice.
        var after = await survivor.WaitForClosedRecordsAsync(Customer, 2, TimeSpan.FromSeconds(10));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (after.Any(r => r.GetProperty("estimated").GetBoolean()))
        {
            Assert.True(DateTime.UtcNow < deadline, string.Join('\n', after.Select(r => r.GetRawText())));
            await Task.Delay(100);
            after = await survivor.ListSessionsAsync(Customer);
        }

        var records = await RecordLedger.AssertBooksBalanceAsync(survivor, _gateway.Redis.Database, Customer, [firstRequest, secondRequest]);
        Assert.Equal(0, await _gateway.Redis.Database.SortedSetLengthAsync($"dgp:{{{Customer}}}:leases"));
        foreach (var record in records)
        {
            var requestId = record.GetProperty("deepgram_request_id").GetString()!;
            var estimate = reaped.Single(r => r.GetProperty("deepgram_request_id").GetString() == requestId);
            Assert.Equal(2, record.GetProperty("record_version").GetInt64());
            Assert.Equal("client_closed", record.GetProperty("close_reason").GetString());
            Assert.True(record.GetProperty("duration_ms").GetInt64() > estimate.GetProperty("duration_ms").GetInt64(), $"measured {record.GetRawText()} estimated {estimate.GetRawText()}");
            // The measurement, not an estimate (which stops seconds short, at the last heartbeat before the cut); its
            // precision against the wire is SessionRecordTests' and the benchmarks' subject, not this test's.
            var upstream = await _gateway.Emulator.WaitForClosedConnectionAsync(requestId);
            Assert.True(Math.Abs(record.GetProperty("duration_ms").GetInt64() - upstream.GetProperty("duration_ms").GetDouble()) <= 50,
                $"record {record.GetRawText()} emulator {upstream.GetRawText()}");

            // The billing feed has both versions: consumers take the highest.
            var versions = (await _gateway.Redis.Database.StreamRangeAsync("dgp:records"))
                .Where(e => (string?)e["session_id"] == record.GetProperty("session_id").GetString())
                .Select(e => (long)e["record_version"]).Distinct().Order().ToList();
            Assert.Equal([1L, 2L], versions);
        }

        MeasurementLedger.FaultOutcome(nameof(Sessions_reaped_during_a_partition_are_replaced_by_their_owners_measurement_when_it_finalizes_them_too), 2, records);
        foreach (var (client, _, _) in sessions)
        {
            await client.DisposeAsync();
        }
    }
}
