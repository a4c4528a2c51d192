using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Sessions;

/// <summary>
/// Idle timeouts and maximum durations on real sessions, through a proxy running 1.5 s idle timeouts with a 0.6 s
/// warning lead (swept every 50 ms). Each customer picks its idle mode through its settings, as an admin would.
/// </summary>
[Collection(GatewayTestGroup.Name)]
public sealed class IdleControlTests
{
    private const string KeepAlive = """{"type":"KeepAlive"}""";
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromMilliseconds(1500);
    private static readonly TimeSpan KeepAliveEvery = TimeSpan.FromMilliseconds(300);

    private readonly GatewayFixture _gateway;

    public IdleControlTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Theory]
    [InlineData("audio")]
    [InlineData("messages")]
    public async Task A_session_sending_only_keepalives_is_warned_then_closed_with_1000(string mode)
    {
        var proxy = await _gateway.ShortTimeoutsProxyAsync();
        var customer = $"idle-keepalive-{mode}";
        var (_, secret) = await proxy.IssueKeyAsync(customer);
        await proxy.PatchSettingsAsync(customer, new { idle_mode = mode });
        var before = await proxy.ScrapeAsync();

        var (client, requestId) = await OpenAsync(proxy, secret);
        await using var _ = client;
        ReceivedSession seen;
        await using (client.SendEvery(KeepAliveEvery, KeepAlive))
        {
            seen = await client.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(10));
        }

        Assert.True(seen.Closed, "the proxy did not close a session that only sent KeepAlive");
        var warning = seen.First("Warning", "SESSION_IDLE_WARNING");
        var error = seen.First("Error", "SESSION_IDLE_TIMEOUT");
        Assert.NotNull(warning);
        Assert.NotNull(error);
        Assert.True(warning.At < error.At);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, client.CloseStatus);
        Assert.Equal("SESSION_IDLE_TIMEOUT", client.Socket.CloseStatusDescription);

        // The last activity was SettingsApplied's trigger (the Settings message, in messages mode) or the upgrade.
        MeasurementLedger.ClosePrecision("idle_close", IdleTimeout.TotalMilliseconds, seen.ClosedAt.TotalMilliseconds);

        var record = await proxy.WaitForClosedRecordByRequestIdAsync(customer, requestId);
        Assert.Equal("idle_timeout", record.GetProperty("close_reason").GetString());
        Assert.Equal("proxy", record.GetProperty("close_initiator").GetString());
        Assert.Equal(1000, record.GetProperty("close_code").GetInt32());
        var after = await proxy.ScrapeAsync();
        Assert.Equal(1, after.Sum("dgproxy_idle_warnings_total") - before.Sum("dgproxy_idle_warnings_total"));
        Assert.Equal(1, after.Sum("dgproxy_forced_closes_total", "reason=idle_timeout") - before.Sum("dgproxy_forced_closes_total", "reason=idle_timeout"));
        Assert.Equal(1, after.Sum("dgproxy_sessions_total", "close_reason=idle_timeout") - before.Sum("dgproxy_sessions_total", "close_reason=idle_timeout"));
        var upstream = await _gateway.Emulator.WaitForClosedConnectionAsync(requestId);
        Assert.Equal(1000, upstream.GetProperty("close_status").GetInt32());
        Assert.True(Math.Abs(record.GetProperty("duration_ms").GetInt64() - upstream.GetProperty("duration_ms").GetDouble()) <= 5, $"record {record.GetRawText()} emulator {upstream.GetRawText()}");
        Assert.InRange(record.GetProperty("duration_ms").GetInt64(), 1500, 3000);
    }

    [Fact]
    public async Task A_session_streaming_audio_stays_open_in_audio_mode()
    {
        // Twice the other tests' idle timeout: the warning comes after 0.9 s without audio at 1.5 s, and a loaded
        // 2-core CI machine has stalled a test's 20 ms sender that long (once in tens of runs).
        var idleTimeout = 2 * IdleTimeout;
        var proxy = await _gateway.ShortTimeoutsProxyAsync();
        var (_, secret) = await proxy.IssueKeyAsync("idle-streaming");
        await proxy.PatchSettingsAsync("idle-streaming", new { idle_mode = "audio", idle_timeout_ms = (long)idleTimeout.TotalMilliseconds });

        var (client, requestId) = await OpenAsync(proxy, secret);
        await using var _ = client;
        ReceivedSession seen;
        TimeSpan longestGap;
        await using (var audio = client.StreamAudio(TimeSpan.FromMilliseconds(20)))
        {
            seen = await client.ReceiveUntilClosedAsync(3 * idleTimeout);
            longestGap = audio.LongestGap;
        }

        Assert.False(seen.Closed);
        Assert.True(seen.First("Warning") is null, $"{seen.First("Warning")}; the test's longest gap between two audio frames: {longestGap.TotalMilliseconds:F0} ms");
        await client.CloseAsync();
        var record = await proxy.WaitForClosedRecordByRequestIdAsync("idle-streaming", requestId);
        Assert.Equal("client_closed", record.GetProperty("close_reason").GetString());
    }

    [Fact]
    public async Task Text_messages_keep_a_session_open_in_messages_mode_but_not_in_audio_mode()
    {
        var proxy = await _gateway.ShortTimeoutsProxyAsync();
        var (_, messagesSecret) = await proxy.IssueKeyAsync("idle-messages-text");
        var (_, audioSecret) = await proxy.IssueKeyAsync("idle-audio-text");
        await proxy.PatchSettingsAsync("idle-audio-text", new { idle_mode = "audio" });
        const string Inject = """{"type":"InjectUserMessage","content":"still here"}""";

        var (messagesClient, _) = await OpenAsync(proxy, messagesSecret);
        var (audioClient, _) = await OpenAsync(proxy, audioSecret);
        await using var a = messagesClient;
        await using var b = audioClient;
        ReceivedSession messagesSeen;
        ReceivedSession audioSeen;
        await using (messagesClient.SendEvery(TimeSpan.FromMilliseconds(400), Inject))
        await using (audioClient.SendEvery(TimeSpan.FromMilliseconds(400), Inject))
        {
            var messagesTask = messagesClient.ReceiveUntilClosedAsync(3 * IdleTimeout);
            var audioTask = audioClient.ReceiveUntilClosedAsync(3 * IdleTimeout);
            messagesSeen = await messagesTask;
            audioSeen = await audioTask;
        }

        Assert.False(messagesSeen.Closed);
        Assert.NotNull(messagesSeen.First("ConversationText"));
        Assert.True(audioSeen.Closed);
        Assert.NotNull(audioSeen.First("Error", "SESSION_IDLE_TIMEOUT"));
        await messagesClient.CloseAsync();
    }

    [Fact]
    public async Task In_any_mode_the_agent_talking_keeps_a_keepalive_only_session_open_until_it_stops()
    {
        var proxy = await _gateway.ShortTimeoutsProxyAsync();
        var (_, secret) = await proxy.IssueKeyAsync("idle-any");
        await proxy.PatchSettingsAsync("idle-any", new { idle_mode = "any" });

        var (client, requestId) = await OpenAsync(proxy, secret);
        await using var _ = client;

        // The agent speaks for 3 s (150 frames of 20 ms), twice the idle timeout; the client only keeps alive.
        await client.SendTextAsync("""{"type":"EmulatorSendAudio","frames":150,"bytes":640,"interval_ms":20}""");
        ReceivedSession seen;
        await using (client.SendEvery(KeepAliveEvery, KeepAlive))
        {
            seen = await client.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(10));
        }

        Assert.True(seen.Closed);
        var error = seen.First("Error", "SESSION_IDLE_TIMEOUT");
        Assert.NotNull(error);
        Assert.True(error.At >= TimeSpan.FromSeconds(3) + IdleTimeout - TimeSpan.FromMilliseconds(200), $"closed after {error.At} while the agent talked for 3 s");
        Assert.True(client.BinaryMessagesReceived >= 140, $"only {client.BinaryMessagesReceived} agent audio frames arrived");

        var record = await proxy.WaitForClosedRecordByRequestIdAsync("idle-any", requestId);
        Assert.Equal("idle_timeout", record.GetProperty("close_reason").GetString());
    }

    [Fact]
    public async Task Activity_after_the_warning_cancels_the_idle_close()
    {
        var proxy = await _gateway.ShortTimeoutsProxyAsync();
        var (_, secret) = await proxy.IssueKeyAsync("idle-revived");

        // A 2 s lead: the warning's delivery and the client's answer must fit in it on a loaded machine too (the
        // fixture's 600 ms lead did not once in a clean-clone run).
        var idleTimeout = TimeSpan.FromSeconds(3);
        await proxy.PatchSettingsAsync("idle-revived", new { idle_timeout_ms = (long)idleTimeout.TotalMilliseconds, idle_warning_lead_ms = 2000 });
        var (client, requestId) = await OpenAsync(proxy, secret);
        await using var _ = client;

        var warning = await client.ReceiveJsonAsync("Warning");
        Assert.Equal("SESSION_IDLE_WARNING", warning.GetProperty("code").GetString());
        ReceivedSession revived;
        await using (client.SendEvery(TimeSpan.FromMilliseconds(200), """{"type":"InjectUserMessage","content":"I am back"}"""))
        {
            revived = await client.ReceiveUntilClosedAsync(2 * idleTimeout);
        }

        Assert.False(revived.Closed);
        Assert.Null(revived.First("Error"));

        // Quiet again: warned again, then closed.
        var after = await client.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(10));
        Assert.NotNull(after.First("Warning", "SESSION_IDLE_WARNING"));
        Assert.True(after.Closed);
        var record = await proxy.WaitForClosedRecordByRequestIdAsync("idle-revived", requestId);
        Assert.Equal("idle_timeout", record.GetProperty("close_reason").GetString());
    }

    [Fact]
    public async Task A_session_reaching_its_maximum_duration_is_warned_then_closed()
    {
        var proxy = await _gateway.ShortTimeoutsProxyAsync();
        var (_, secret) = await proxy.IssueKeyAsync("max-duration");
        await proxy.PatchSettingsAsync("max-duration", new { max_duration_ms = 2000, max_duration_warning_lead_ms = 1000, idle_timeout_ms = 0 });

        var (client, requestId) = await OpenAsync(proxy, secret);
        await using var _ = client;
        ReceivedSession seen;
        await using (client.StreamAudio(TimeSpan.FromMilliseconds(20)))
        {
            seen = await client.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(10));
        }

        Assert.True(seen.Closed);
        Assert.NotNull(seen.First("Warning", "SESSION_MAX_DURATION_WARNING"));
        Assert.NotNull(seen.First("Error", "SESSION_MAX_DURATION"));
        Assert.Equal(WebSocketCloseStatus.NormalClosure, client.CloseStatus);
        MeasurementLedger.ClosePrecision("max_duration_close", 2000, seen.ClosedAt.TotalMilliseconds);

        var record = await proxy.WaitForClosedRecordByRequestIdAsync("max-duration", requestId);
        Assert.Equal("max_duration", record.GetProperty("close_reason").GetString());
        Assert.InRange(record.GetProperty("duration_ms").GetInt64(), 2000, 3000);
    }

    [Fact]
    public async Task A_settings_change_lands_on_a_session_that_is_already_open()
    {
        var proxy = await _gateway.ShortTimeoutsProxyAsync();
        var (_, secret) = await proxy.IssueKeyAsync("live-change");
        await proxy.PatchSettingsAsync("live-change", new { idle_timeout_ms = 60_000, idle_warning_lead_ms = 0 });

        var (client, requestId) = await OpenAsync(proxy, secret);
        await using var _ = client;
        var quiet = await client.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(2.5));
        Assert.False(quiet.Closed);

        // Through the other proxy's admin API: the change travels to this one over Redis.
        var changedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        await _gateway.Proxy.PatchSettingsAsync("live-change", new { idle_timeout_ms = 1000 });
        var seen = await client.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(10));
        var applied = System.Diagnostics.Stopwatch.GetElapsedTime(changedAt);

        Assert.True(seen.Closed);
        Assert.NotNull(seen.First("Error", "SESSION_IDLE_TIMEOUT"));
        Assert.True(applied < TimeSpan.FromSeconds(1), $"the new timeout took {applied} to close a session idle for longer already");
        MeasurementLedger.ClosePrecision("settings_change_to_close", 0, applied.TotalMilliseconds);
        var record = await proxy.WaitForClosedRecordByRequestIdAsync("live-change", requestId);
        Assert.Equal("idle_timeout", record.GetProperty("close_reason").GetString());
    }

    [Theory]
    [InlineData("""{"idle_timeout_ms":-1}""")]
    [InlineData("""{"idle_timeout_ms":90000000}""")]
    [InlineData("""{"idle_timeout_ms":500}""")]
    [InlineData("""{"idle_mode":"sometimes"}""")]
    [InlineData("""{"idle_warning_lead_ms":-1}""")]
    [InlineData("""{"max_concurrent_sessions":-2}""")]
    [InlineData("""{"idle_timeout":"00:00:30"}""")]
    [InlineData("""[1,2]""")]
    [InlineData("""{"idle_timeout_ms":"30000"}""")]
    [InlineData("""{"idle_warning_lead_ms":9223372036854775807}""")]
    [InlineData("""{"idle_timeout_ms":1000,"max_concurrent_sessions":-1}""")]
    public async Task Invalid_settings_are_refused_with_400_and_change_nothing(string body)
    {
        var proxy = _gateway.Proxy;
        await proxy.PutCustomerAsync("settings-invalid");
        await proxy.PatchSettingsAsync("settings-invalid", new { idle_timeout_ms = 45_000 });

        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await proxy.Admin.PatchAsync(new Uri("/admin/v1/customers/settings-invalid/settings", UriKind.Relative), content);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("invalid_settings", error.GetProperty("error").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));

        var settings = await proxy.Admin.GetFromJsonAsync<JsonElement>(new Uri("/admin/v1/customers/settings-invalid/settings", UriKind.Relative));
        Assert.Equal(45_000, settings.GetProperty("overrides").GetProperty("idle_timeout_ms").GetInt64());
    }

    [Fact]
    public async Task Put_replaces_patch_merges_and_null_inherits_the_configured_default()
    {
        var proxy = _gateway.Proxy;
        await proxy.PutCustomerAsync("settings-merge");
        using (var put = await proxy.Admin.PutAsJsonAsync(new Uri("/admin/v1/customers/settings-merge/settings", UriKind.Relative), new { idle_mode = "audio", max_concurrent_sessions = 4 }))
        {
            put.EnsureSuccessStatusCode();
        }

        var patched = await proxy.PatchSettingsAsync("settings-merge", new { idle_timeout_ms = 20_000 });
        Assert.Equal("audio", patched.GetProperty("overrides").GetProperty("idle_mode").GetString());
        Assert.Equal(20_000, patched.GetProperty("effective").GetProperty("idle_timeout_ms").GetInt64());
        Assert.Equal(4, patched.GetProperty("effective").GetProperty("max_concurrent_sessions").GetInt32());

        var cleared = await proxy.PatchSettingsAsync("settings-merge", new Dictionary<string, object?> { ["idle_mode"] = null });
        Assert.Equal(JsonValueKind.Null, cleared.GetProperty("overrides").GetProperty("idle_mode").ValueKind);
        Assert.Equal("messages", cleared.GetProperty("effective").GetProperty("idle_mode").GetString());

        using var replaced = await proxy.Admin.PutAsJsonAsync(new Uri("/admin/v1/customers/settings-merge/settings", UriKind.Relative), new { max_duration_ms = 600_000 });
        var view = await replaced.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(JsonValueKind.Null, view.GetProperty("overrides").GetProperty("idle_timeout_ms").ValueKind);
        Assert.Equal(30_000, view.GetProperty("effective").GetProperty("idle_timeout_ms").GetInt64());
        Assert.Equal(600_000, view.GetProperty("effective").GetProperty("max_duration_ms").GetInt64());
        Assert.Equal(0, view.GetProperty("effective").GetProperty("max_concurrent_sessions").GetInt32());
        // Every per-customer setting, session control's, billing's, the browser origins and the upstream pin, in the one table's order.
        string[] names = ["idle_timeout_ms", "idle_mode", "max_duration_ms", "idle_warning_lead_ms", "max_duration_warning_lead_ms", "max_concurrent_sessions", "monthly_budget_micros", "budget_action", "allowed_origins", "upstream_url"];
        Assert.Equal(names, view.GetProperty("overrides").EnumerateObject().Select(p => p.Name));
        Assert.Equal(names, view.GetProperty("effective").EnumerateObject().Select(p => p.Name));
        Assert.Equal(10_000, view.GetProperty("effective").GetProperty("idle_warning_lead_ms").GetInt64());
        Assert.Equal("messages", view.GetProperty("effective").GetProperty("idle_mode").GetString());
        Assert.Equal((0, "refuse"), (view.GetProperty("effective").GetProperty("monthly_budget_micros").GetInt64(), view.GetProperty("effective").GetProperty("budget_action").GetString()));
    }

    private static Task<(AgentTestClient Client, string RequestId)> OpenAsync(ProxyServer proxy, string secret) =>
        AgentTestClient.StartSessionAsync(proxy.AgentUrl(), secret);
}
