using System.Text.Json;
using Proxy.Customers;

namespace Proxy.Tests.Customers;

/// <summary><c>upstream_url</c> as the admin API takes it and the gateway reads it, and the allowlist that keeps an
/// admin token from pointing a customer's sessions at any host.</summary>
public sealed class UpstreamSettingsTests
{
    [Theory]
    [InlineData("wss://api.eu.deepgram.com", "wss://api.eu.deepgram.com")]
    [InlineData("WSS://API.EU.Deepgram.com/", "wss://api.eu.deepgram.com")]
    [InlineData("wss://api.eu.deepgram.com:443", "wss://api.eu.deepgram.com")]
    [InlineData("ws://127.0.0.1:8082", "ws://127.0.0.1:8082")]
    [InlineData("ws://emulator:80/base/", "ws://emulator/base")]
    public void A_websocket_url_is_stored_in_one_normal_form(string url, string stored)
    {
        var settings = Parse(JsonSerializer.Serialize(url));

        Assert.Equal(stored, UpstreamSettings.UpstreamUrl.Read(settings)?.Url);
        Assert.Equal(JsonSerializer.Serialize(stored), UpstreamSettings.UpstreamUrl.OverrideJson(settings)!.ToJsonString());
    }

    [Theory]
    [InlineData("\"https://api.eu.deepgram.com\"")]
    [InlineData("\"api.eu.deepgram.com\"")]
    [InlineData("\"wss://user:secret@api.eu.deepgram.com\"")]
    [InlineData("\"wss://api.eu.deepgram.com/?token=x\"")]
    [InlineData("\"wss://api.eu.deepgram.com#x\"")]
    [InlineData("\"wss://api.eu.deepgram.com?\"")]
    [InlineData("\"ftp://api.eu.deepgram.com\"")]
    [InlineData("\"\"")]
    [InlineData("42")]
    [InlineData("[\"wss://api.eu.deepgram.com\"]")]
    public void Anything_but_a_websocket_url_without_user_info_query_or_fragment_is_refused_naming_upstream_url(string json)
    {
        using var document = JsonDocument.Parse(json);
        Assert.False(UpstreamSettings.UpstreamUrl.TryParse(document.RootElement, out _, out var error));
        Assert.Equal("upstream_url must be an absolute ws:// or wss:// URL without user info, query or fragment, such as \"wss://api.eu.deepgram.com\", or null to inherit.", error);
    }

    [Fact]
    public void The_default_url_is_always_allowed_and_the_allowed_urls_match_in_their_normal_form()
    {
        var allowList = new UpstreamUrlAllowList("https://agent.deepgram.com/", ["wss://API.eu.deepgram.com:443/", "ws://127.0.0.1:8082"]);

        Assert.Equal("wss://agent.deepgram.com", allowList.Default.Url);
        Assert.True(allowList.Allows(Pin("wss://agent.deepgram.com")));
        Assert.True(allowList.Allows(Pin("wss://api.eu.deepgram.com")));
        Assert.True(allowList.Allows(Pin("ws://127.0.0.1:8082/")));
        Assert.False(allowList.Allows(Pin("wss://evil.example.com")));
        Assert.False(allowList.Allows(Pin("ws://api.eu.deepgram.com")));
        Assert.False(allowList.Allows(Pin("ws://127.0.0.1:8083")));
        Assert.False(allowList.Allows(Pin("wss://api.eu.deepgram.com/other")));
    }

    [Fact]
    public void Without_a_pin_the_effective_url_is_the_configured_one()
    {
        var allowList = new UpstreamUrlAllowList("ws://127.0.0.1:8081", []);

        Assert.Null(UpstreamSettings.UpstreamUrl.Read(CustomerSettings.None));
        var effective = UpstreamSettings.EffectiveJson(CustomerSettings.None, allowList).ToDictionary(e => e.Key, e => e.Value.ToJsonString());
        Assert.Equal("\"ws://127.0.0.1:8081\"", effective["upstream_url"]);
        var pinned = UpstreamSettings.EffectiveJson(Parse("\"wss://api.eu.deepgram.com\""), allowList).ToDictionary(e => e.Key, e => e.Value.ToJsonString());
        Assert.Equal("\"wss://api.eu.deepgram.com\"", pinned["upstream_url"]);
    }

    internal static CustomerSettings Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        Assert.True(UpstreamSettings.UpstreamUrl.TryParse(document.RootElement, out var stored, out var error), error);
        return CustomerSettings.None.With(UpstreamSettings.UpstreamUrl, stored);
    }

    private static PinnedUpstreamUrl Pin(string url)
    {
        Assert.True(PinnedUpstreamUrl.TryNormalize(url, allowHttp: false, out var pinned));
        return pinned;
    }
}
