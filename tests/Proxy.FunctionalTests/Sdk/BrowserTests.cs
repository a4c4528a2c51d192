using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Sdk;

/// <summary>A real headless Chromium (Debian's <c>chromium</c>, driven by playwright-core) runs a voice-agent page that
/// holds no key: it gets a short-lived token from its backend and connects with the <c>bearer</c> subprotocol.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class BrowserTests
{
    private readonly GatewayFixture _gateway;

    public BrowserTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task A_page_in_chromium_connects_with_a_token_from_its_backend_and_the_session_is_recorded_to_the_minting_key()
    {
        var proxy = _gateway.Proxy;
        var (keyId, secret) = await proxy.IssueKeyAsync("browser-app");
        var (exitCode, result, output) = await NodeScript.RunAsync("chromium-token-session.mjs", new Dictionary<string, string?>
        {
            ["PROXY_BASE_URL"] = "ws://" + proxy.ProxyUrl.Authority,
            ["PROXY_KEY"] = secret,
            ["AUDIO_FRAMES"] = "5",
        }, TimeSpan.FromSeconds(90));

        Assert.True(exitCode == 0, output);
        Assert.Equal("bearer", result.GetProperty("protocol").GetString());
        Assert.Equal(30, result.GetProperty("token_expires_in").GetInt32());
        Assert.Equal(1, result.GetProperty("grant_calls").GetInt32());
        var record = await proxy.WaitForClosedRecordByRequestIdAsync("browser-app", result.GetProperty("request_id").GetString()!);
        Assert.Equal(
            ("browser-app", keyId, "token", "client_closed", 1000),
            (record.GetProperty("customer_id").GetString(), record.GetProperty("key_id").GetString(), record.GetProperty("credential").GetString(),
             record.GetProperty("close_reason").GetString(), record.GetProperty("close_code").GetInt32()));
        Assert.Equal(5, record.GetProperty("audio_ms_in").GetInt64() / 20);
        Assert.Equal("nova-3", record.GetProperty("listen_model").GetString());
    }
}
