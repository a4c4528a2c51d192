using System.Net.WebSockets;
using System.Text.Json;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Metering;

/// <summary>
/// Real sessions through the real proxy: each record is checked field by field against what the client did and
/// what the upstream (the emulator) measured on its side of the same connection.
/// </summary>
[Collection(GatewayTestGroup.Name)]
public sealed class SessionRecordTests
{
    /// <summary>The quality bar (README.md, "How it works", Timing): a record's duration is within 5 ms of the upstream's own measurement.</summary>
    private const double DurationToleranceMs = 5;

    private readonly GatewayFixture _gateway;

    public SessionRecordTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task A_client_closed_session_is_recorded_field_by_field()
    {
        var proxy = _gateway.Proxy;
        await proxy.PutCustomerAsync("record-fields", new { name = "Record Fields Inc", plan = "standard" });
        var (keyId, secret) = await proxy.IssueKeyAsync("record-fields");
        const int AudioFrames = 25;

        var client = await AgentTestClient.ConnectWithHeaderAsync(proxy.AgentUrl(), secret,
            o => o.SetRequestHeader("X-Client-Session-Id", "customer-call-42"));
        await using var _ = client;
        var welcome = await client.ReceiveJsonAsync("Welcome");
        var requestId = welcome.GetProperty("request_id").GetString()!;
        await client.SendTextAsync(AgentTestClient.SettingsJson());
        await client.ReceiveJsonAsync("SettingsApplied");
        for (var i = 0; i < AudioFrames; i++)
        {
            await client.SendBinaryAsync(640);
        }

        await client.ReceiveBinaryAsync(AudioFrames);
        await client.SendTextAsync("""{"type":"KeepAlive"}""");
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "done");

        var record = await proxy.WaitForClosedRecordByRequestIdAsync("record-fields", requestId);
        var upstream = await _gateway.Emulator.WaitForClosedConnectionAsync(requestId);

        Assert.True(Guid.TryParse(record.GetProperty("session_id").GetString(), out var sessionId));
        Assert.Equal(7, sessionId.Version);
        Assert.Equal("customer-call-42", record.GetProperty("client_session_id").GetString());
        Assert.Equal("record-fields", record.GetProperty("customer_id").GetString());
        Assert.Equal(keyId, record.GetProperty("key_id").GetString());
        Assert.Equal("standard", record.GetProperty("plan_id").GetString());
        Assert.Equal(proxy.InstanceId, record.GetProperty("instance_id").GetString());
        Assert.Equal(requestId, record.GetProperty("deepgram_request_id").GetString());

        AssertInstantsAndDuration(record, upstream);
        var duration = record.GetProperty("duration_ms").GetInt64();
        Assert.Equal(Math.Max(duration, 1000), record.GetProperty("billable_ms").GetInt64());

        Assert.Equal("client_closed", record.GetProperty("close_reason").GetString());
        Assert.Equal(1000, record.GetProperty("close_code").GetInt32());
        Assert.Equal("client", record.GetProperty("close_initiator").GetString());
        Assert.Equal(JsonValueKind.Null, record.GetProperty("upstream_status").ValueKind);

        // Settings + 25 audio + KeepAlive + Close in; Welcome + SettingsApplied + 25 echoes + Close out.
        Assert.Equal(client.FramesSent, record.GetProperty("frames_in").GetInt64());
        Assert.Equal(AudioFrames + 3, record.GetProperty("frames_in").GetInt64());
        Assert.Equal(client.BytesSent, record.GetProperty("bytes_in").GetInt64());
        Assert.Equal(client.FramesReceived, record.GetProperty("frames_out").GetInt64());
        Assert.Equal(AudioFrames + 3, record.GetProperty("frames_out").GetInt64());
        Assert.Equal(client.BytesReceived, record.GetProperty("bytes_out").GetInt64());

        // 25 × 640 bytes of 16 kHz linear16 = 25 × 20 ms.
        Assert.Equal(500, record.GetProperty("audio_ms_in").GetInt64());
        Assert.Equal("nova-3", record.GetProperty("listen_model").GetString());
        Assert.Equal("open_ai", record.GetProperty("think_provider").GetString());
        Assert.Equal("gpt-4o-mini", record.GetProperty("think_model").GetString());
        Assert.Equal("aura-2-thalia-en", record.GetProperty("speak_model").GetString());
        Assert.Equal(["functional", "second-tag"], record.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(JsonValueKind.Null, record.GetProperty("agent_config_id").ValueKind);

        Assert.Equal("closed", record.GetProperty("status").GetString());
        Assert.Equal(record.GetProperty("client_closed_at_ms").GetInt64(), record.GetProperty("last_seen_ms").GetInt64());
        Assert.False(record.GetProperty("estimated").GetBoolean());

        // The same record by id, as stored.
        var byId = await proxy.GetSessionAsync(sessionId.ToString());
        Assert.Equal(record.GetRawText(), byId.GetRawText());
    }

    [Fact]
    public async Task A_200_ms_session_is_billed_one_second()
    {
        var proxy = _gateway.Proxy;
        var (_, secret) = await proxy.IssueKeyAsync("short-session");
        var client = await AgentTestClient.ConnectWithHeaderAsync(proxy.AgentUrl(), secret);
        await using var _ = client;
        var requestId = (await client.ReceiveJsonAsync("Welcome")).GetProperty("request_id").GetString()!;
        var welcomed = System.Diagnostics.Stopwatch.GetTimestamp();
        await Task.Delay(200);
        var held = System.Diagnostics.Stopwatch.GetElapsedTime(welcomed);
        await client.CloseAsync();

        var record = await proxy.WaitForClosedRecordByRequestIdAsync("short-session", requestId);
        var upstream = await _gateway.Emulator.WaitForClosedConnectionAsync(requestId);
        AssertInstantsAndDuration(record, upstream);
        // At least how long the client waited after the Welcome before closing (the upstream opened before it), less the
        // record's truncation to whole ms: Task.Delay(200) can return a timer tick early (CI: 199 ms recorded).
        Assert.InRange(record.GetProperty("duration_ms").GetInt64(), (long)held.TotalMilliseconds - 1, 999);
        Assert.Equal(1000, record.GetProperty("billable_ms").GetInt64());
    }

    [Fact]
    public async Task A_session_the_upstream_closes_is_upstream_closed_with_its_code()
    {
        var proxy = _gateway.Proxy;
        var (_, secret) = await proxy.IssueKeyAsync("upstream-close");
        var client = await AgentTestClient.ConnectWithHeaderAsync(proxy.AgentUrl(), secret);
        await using var _ = client;
        var requestId = (await client.ReceiveJsonAsync("Welcome")).GetProperty("request_id").GetString()!;
        await client.SendTextAsync("""{"type":"EmulatorClose","code":4000,"reason":"agent done"}""");
        await client.ReceiveCloseAsync();
        await client.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        Assert.Equal(4000, (int)client.CloseStatus!);

        var record = await proxy.WaitForClosedRecordByRequestIdAsync("upstream-close", requestId);
        var upstream = await _gateway.Emulator.WaitForClosedConnectionAsync(requestId);
        AssertInstantsAndDuration(record, upstream);
        Assert.Equal("upstream_closed", record.GetProperty("close_reason").GetString());
        Assert.Equal(4000, record.GetProperty("close_code").GetInt32());
        Assert.Equal("upstream", record.GetProperty("close_initiator").GetString());
    }

    [Fact]
    public async Task A_client_that_drops_its_connection_is_a_client_error()
    {
        var proxy = _gateway.Proxy;
        var (_, secret) = await proxy.IssueKeyAsync("client-drop");
        var (client, requestId) = await AgentTestClient.StartSessionAsync(proxy.AgentUrl(), secret);
        await client.SendBinaryAsync(640);
        await client.ReceiveBinaryAsync(1);

        // No Close frame: the TCP connection just goes away.
        client.Socket.Abort();
        await client.DisposeAsync();

        var record = await proxy.WaitForClosedRecordByRequestIdAsync("client-drop", requestId);
        var upstream = await _gateway.Emulator.WaitForClosedConnectionAsync(requestId);
        AssertInstantsAndDuration(record, upstream);
        Assert.Equal("client_error", record.GetProperty("close_reason").GetString());
        Assert.Equal(1006, record.GetProperty("close_code").GetInt32());
        Assert.Equal("none", record.GetProperty("close_initiator").GetString());
    }

    [Fact]
    public async Task An_upstream_that_crashes_mid_session_is_an_upstream_error()
    {
        var proxy = _gateway.Proxy;
        var (_, secret) = await proxy.IssueKeyAsync("upstream-crash");
        var (client, requestId) = await AgentTestClient.StartSessionAsync(proxy.AgentUrl(), secret);
        await using var _ = client;

        // The emulator drops the TCP connection without a Close frame, as a crashed server would; the client is told
        // with Close 1014 (bad gateway).
        await client.SendTextAsync("""{"type":"EmulatorAbort"}""");
        await client.ReceiveCloseAsync();
        Assert.Equal(1014, (int)client.CloseStatus!);

        var record = await proxy.WaitForClosedRecordByRequestIdAsync("upstream-crash", requestId);
        var upstream = await _gateway.Emulator.WaitForClosedConnectionAsync(requestId);
        AssertInstantsAndDuration(record, upstream);
        Assert.Equal("upstream_error", record.GetProperty("close_reason").GetString());
        Assert.Equal(1006, record.GetProperty("close_code").GetInt32());
        Assert.Equal("none", record.GetProperty("close_initiator").GetString());
    }

    [Fact]
    public async Task The_customers_daily_usage_and_the_records_stream_add_up_to_its_records()
    {
        var proxy = _gateway.Proxy;
        var (_, secret) = await proxy.IssueKeyAsync("usage-sum");
        var requestIds = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var client = await AgentTestClient.ConnectWithHeaderAsync(proxy.AgentUrl(), secret);
            await using var _ = client;
            requestIds.Add((await client.ReceiveJsonAsync("Welcome")).GetProperty("request_id").GetString()!);
            await client.CloseAsync();
        }

        var records = new List<JsonElement>();
        foreach (var requestId in requestIds)
        {
            records.Add(await proxy.WaitForClosedRecordByRequestIdAsync("usage-sum", requestId));
        }

        var day = DateTimeOffset.FromUnixTimeMilliseconds(records[0].GetProperty("upstream_opened_at_ms").GetInt64()).UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var usage = (await _gateway.Redis.Database.HashGetAllAsync($"dgp:{{usage-sum}}:usage:{day}")).ToDictionary(e => e.Name.ToString(), e => (long)e.Value);
        Assert.Equal(3, usage["sessions"]);
        Assert.Equal(records.Sum(r => r.GetProperty("duration_ms").GetInt64()), usage["duration_ms"]);
        Assert.Equal(records.Sum(r => r.GetProperty("billable_ms").GetInt64()), usage["billable_ms"]);

        var stream = await _gateway.Redis.Database.StreamRangeAsync("dgp:records");
        var ids = records.Select(r => r.GetProperty("session_id").GetString()).ToHashSet();
        var entries = stream.Where(e => ids.Contains(e.Values.First(v => v.Name == "session_id").Value.ToString())).ToList();
        Assert.Equal(3, entries.Count);
        Assert.All(entries, e => Assert.Equal("closed", e.Values.First(v => v.Name == "status").Value.ToString()));
    }

    [Fact]
    public async Task Concurrent_streaming_sessions_are_each_timed_within_tolerance()
    {
        var proxy = _gateway.Proxy;
        var (_, secret) = await proxy.IssueKeyAsync("concurrent-timing");
        const int Sessions = 10;

        // Sessions overlap while they stream, but open 40 ms apart as calls arrive: ten handshakes in the same
        // instant on two cores queue behind each other in both processes, which skews the last one's start by a
        // few ms on one side (measured up to ~6 ms), a burst effect rather than a metering error.
        var requestIds = await Task.WhenAll(Enumerable.Range(0, Sessions).Select(async i =>
        {
            await Task.Delay(i * 40);
            var (client, requestId) = await AgentTestClient.StartSessionAsync(proxy.AgentUrl(), secret);
            await using var _ = client;

            // 20 ms audio frames in real time, as a voice app sends them, for 0.5–1.4 s.
            for (var frame = 0; frame < 25 + (i * 5); frame++)
            {
                await client.SendBinaryAsync(640);
                await Task.Delay(20);
            }

            await client.ReceiveBinaryAsync(25 + (i * 5));
            if (i % 2 == 0)
            {
                await client.CloseAsync();
            }
            else
            {
                await client.SendTextAsync("""{"type":"EmulatorClose","code":1000}""");
                await client.ReceiveCloseAsync();
                await client.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
            }

            return requestId;
        }));

        foreach (var requestId in requestIds)
        {
            var record = await proxy.WaitForClosedRecordByRequestIdAsync("concurrent-timing", requestId);
            var upstream = await _gateway.Emulator.WaitForClosedConnectionAsync(requestId);
            AssertInstantsAndDuration(record, upstream);
        }
    }

    /// <summary>The four instants are ordered, and the duration matches the emulator's own measurement.</summary>
    private static void AssertInstantsAndDuration(JsonElement record, JsonElement upstream, [System.Runtime.CompilerServices.CallerMemberName] string caller = "")
    {
        var clientOpened = record.GetProperty("client_opened_at_ms").GetInt64();
        var upstreamOpened = record.GetProperty("upstream_opened_at_ms").GetInt64();
        var upstreamClosed = record.GetProperty("upstream_closed_at_ms").GetInt64();
        var clientClosed = record.GetProperty("client_closed_at_ms").GetInt64();
        Assert.True(clientOpened <= upstreamOpened, $"client opened {clientOpened} after upstream opened {upstreamOpened}");
        Assert.True(upstreamOpened <= upstreamClosed, $"upstream opened {upstreamOpened} after it closed {upstreamClosed}");
        Assert.True(clientOpened <= clientClosed, $"client opened {clientOpened} after it closed {clientClosed}");

        var duration = record.GetProperty("duration_ms").GetInt64();
        var measured = upstream.GetProperty("duration_ms").GetDouble();
        MeasurementLedger.DurationDrift(caller, duration - measured);
        Assert.True(Math.Abs(duration - measured) <= DurationToleranceMs,
            $"{caller}: record duration {duration} ms, emulator measured {measured:F3} ms (tolerance {DurationToleranceMs} ms); " +
            $"opened proxy {upstreamOpened} emulator {upstream.GetProperty("opened_at_ms").GetInt64()}, " +
            $"closed proxy {upstreamClosed} emulator {upstream.GetProperty("closed_at_ms").GetInt64()}");
    }
}
