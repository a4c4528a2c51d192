using System.Text.Json;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Sdk;

/// <summary>Deepgram's official JS SDK and a browser-style client, pointed at the proxy by base URL only.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class DeepgramSdkTests
{
    private readonly GatewayFixture _gateway;

    public DeepgramSdkTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task The_official_sdk_runs_a_full_session_through_the_proxy_and_it_is_recorded()
    {
        var proxy = _gateway.Proxy;
        var (keyId, secret) = await proxy.IssueKeyAsync("sdk-e2e");
        var (exitCode, result, output) = await NodeScript.RunAsync("sdk-agent-session.mjs", new Dictionary<string, string?>
        {
            ["PROXY_BASE_URL"] = "ws://" + proxy.ProxyUrl.Authority,
            ["PROXY_KEY"] = secret,
            ["AUDIO_FRAMES"] = "25",
        }, TimeSpan.FromSeconds(60));

        Assert.True(exitCode == 0, output);
        Assert.True(result.GetProperty("settings_applied").GetBoolean());
        Assert.Equal(25, result.GetProperty("audio_frames_sent").GetInt32());
        Assert.Equal(25, result.GetProperty("audio_frames_received").GetInt32());
        Assert.Equal(1000, result.GetProperty("close_code").GetInt32());
        Assert.Equal(1, result.GetProperty("opened_connections").GetInt32());
        Assert.Contains(result.GetProperty("conversation_text").EnumerateArray(), t => t.GetProperty("role").GetString() == "assistant");

        var requestId = result.GetProperty("request_id").GetString()!;
        var record = await proxy.WaitForClosedRecordByRequestIdAsync("sdk-e2e", requestId);
        var upstream = await _gateway.Emulator.WaitForClosedConnectionAsync(requestId);
        Assert.Equal(keyId, record.GetProperty("key_id").GetString());
        Assert.Equal(result.GetProperty("session_id").GetString(), record.GetProperty("client_session_id").GetString());
        Assert.Equal("client_closed", record.GetProperty("close_reason").GetString());
        Assert.Equal(1000, record.GetProperty("close_code").GetInt32());
        Assert.Equal("client", record.GetProperty("close_initiator").GetString());
        Assert.Equal(["sdk-e2e"], record.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("nova-3", record.GetProperty("listen_model").GetString());
        Assert.Equal("gpt-4o-mini", record.GetProperty("think_model").GetString());
        Assert.Equal("aura-2-thalia-en", record.GetProperty("speak_model").GetString());
        Assert.Equal(500, record.GetProperty("audio_ms_in").GetInt64());
        var duration = record.GetProperty("duration_ms").GetInt64();
        Assert.Equal(Math.Max(1000, duration), record.GetProperty("billable_ms").GetInt64());
        Assert.True(Math.Abs(duration - upstream.GetProperty("duration_ms").GetDouble()) <= 5,
            $"record {duration} ms, emulator {upstream.GetProperty("duration_ms").GetDouble():F3} ms");
        MeasurementLedger.DurationDrift("sdk", duration - upstream.GetProperty("duration_ms").GetDouble());

        // The SDK offers permessage-deflate; it must not reach Deepgram, or the proxy could not read frames.
        Assert.False(upstream.GetProperty("request_headers").TryGetProperty("Sec-WebSocket-Extensions", out JsonElement _));
        Assert.Equal("@deepgram/sdk/5.13.0", upstream.GetProperty("request_headers").GetProperty("User-Agent").GetString());
    }

    [Fact]
    public async Task A_browser_style_subprotocol_client_is_answered_token_and_recorded()
    {
        var proxy = _gateway.Proxy;
        var (_, secret) = await proxy.IssueKeyAsync("sdk-browser");
        var (exitCode, result, output) = await NodeScript.RunAsync("browser-subprotocol-session.mjs", new Dictionary<string, string?>
        {
            ["PROXY_BASE_URL"] = "ws://" + proxy.ProxyUrl.Authority,
            ["PROXY_KEY"] = secret,
        }, TimeSpan.FromSeconds(60));

        Assert.True(exitCode == 0, output);
        Assert.Equal("token", result.GetProperty("protocol").GetString());
        var record = await proxy.WaitForClosedRecordByRequestIdAsync("sdk-browser", result.GetProperty("request_id").GetString()!);
        Assert.Equal("client_closed", record.GetProperty("close_reason").GetString());
        Assert.Equal(5, record.GetProperty("audio_ms_in").GetInt64() / 20);
    }

    [Fact]
    public async Task The_official_sdk_grants_a_token_with_the_proxy_key_and_opens_the_agent_with_it_unchanged()
    {
        var proxy = _gateway.Proxy;
        var (keyId, secret) = await proxy.IssueKeyAsync("sdk-token");
        var (exitCode, result, output) = await NodeScript.RunAsync("sdk-token-session.mjs", new Dictionary<string, string?>
        {
            ["PROXY_HTTP_URL"] = "http://" + proxy.ProxyUrl.Authority,
            ["PROXY_BASE_URL"] = "ws://" + proxy.ProxyUrl.Authority,
            ["PROXY_KEY"] = secret,
            ["TTL_SECONDS"] = "120",
        }, TimeSpan.FromSeconds(60));

        Assert.True(exitCode == 0, output);
        Assert.Equal(120, result.GetProperty("expires_in").GetInt32());
        Assert.Equal(3, result.GetProperty("token_segments").GetInt32());
        Assert.True(result.GetProperty("settings_applied").GetBoolean());
        Assert.Equal(1000, result.GetProperty("close_code").GetInt32());
        var record = await proxy.WaitForClosedRecordByRequestIdAsync("sdk-token", result.GetProperty("request_id").GetString()!);
        Assert.Equal((keyId, "token", "client_closed"), (record.GetProperty("key_id").GetString(), record.GetProperty("credential").GetString(), record.GetProperty("close_reason").GetString()));
    }

    [Fact]
    public async Task The_sdk_does_not_reconnect_after_an_idle_close()
    {
        var proxy = await _gateway.ShortTimeoutsProxyAsync();
        var (_, secret) = await proxy.IssueKeyAsync("sdk-idle");
        var (exitCode, result, output) = await NodeScript.RunAsync("sdk-wait-close.mjs", new Dictionary<string, string?>
        {
            ["PROXY_BASE_URL"] = "ws://" + proxy.ProxyUrl.Authority,
            ["PROXY_KEY"] = secret,
            ["TIMEOUT_MS"] = "15000",
            ["KEEPALIVE_MS"] = "400",
            ["OBSERVE_RECONNECT_MS"] = "6000",
        }, TimeSpan.FromSeconds(60));

        Assert.True(exitCode == 0, output);
        var events = result.GetProperty("events").EnumerateArray().ToList();
        Assert.Contains(events, e => e.GetProperty("code").GetString() == "SESSION_IDLE_WARNING");
        Assert.Contains(events, e => e.GetProperty("code").GetString() == "SESSION_IDLE_TIMEOUT");
        Assert.Equal([1000], result.GetProperty("close_codes").EnumerateArray().Select(c => c.GetInt32()));
        Assert.False(result.GetProperty("reconnect_scheduled").GetBoolean());
        Assert.Equal(1, result.GetProperty("connection_attempts").GetInt32());
        Assert.Equal(1, result.GetProperty("opened_connections").GetInt32());
    }

    [Fact]
    public async Task The_sdk_reconnects_after_a_drain_closes_its_session_with_1012()
    {
        var settings = new Dictionary<string, string>(GatewayFixture.ShortSessionControl) { ["Sessions:DrainTimeout"] = "00:00:01" };
        var proxy = await _gateway.StartProxyAsync(settings: settings);
        await using var _ = proxy;
        var (_, secret) = await proxy.IssueKeyAsync("sdk-drain");
        await proxy.PatchSettingsAsync("sdk-drain", new { idle_timeout_ms = 0 });
        var run = NodeScript.RunAsync("sdk-wait-close.mjs", new Dictionary<string, string?>
        {
            ["PROXY_BASE_URL"] = "ws://" + proxy.ProxyUrl.Authority,
            ["PROXY_KEY"] = secret,
            ["TIMEOUT_MS"] = "20000",
            ["KEEPALIVE_MS"] = "400",
            ["OBSERVE_RECONNECT_MS"] = "6000",
        }, TimeSpan.FromSeconds(60));

        await proxy.WaitForOpenRecordAsync("sdk-drain");
        Assert.Equal(0, await proxy.Process.TerminateAsync(TimeSpan.FromSeconds(30)));
        var (exitCode, result, output) = await run;

        Assert.True(exitCode == 0, output);
        Assert.Contains(result.GetProperty("events").EnumerateArray(), e => e.GetProperty("code").GetString() == "SERVER_SHUTDOWN");
        Assert.Equal(1012, result.GetProperty("close_codes")[0].GetInt32());
        Assert.True(result.GetProperty("reconnect_scheduled").GetBoolean(), output);
        Assert.True(result.GetProperty("connection_attempts").GetInt32() >= 2, output);
    }
}
