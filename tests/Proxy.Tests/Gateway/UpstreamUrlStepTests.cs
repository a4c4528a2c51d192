using Microsoft.Extensions.Logging.Abstractions;
using Proxy.Customers;
using Proxy.Gateway;
using Proxy.Tests.Customers;

namespace Proxy.Tests.Gateway;

/// <summary>A pinned customer's session goes to its pin while the allowlist holds it; anyone else's to
/// <c>Upstream:Url</c>.</summary>
public sealed class UpstreamUrlStepTests
{
    private readonly UpstreamUrlStep _step = new(new UpstreamUrlAllowList("wss://agent.deepgram.com", ["wss://api.eu.deepgram.com", "ws://127.0.0.1:8082"]), NullLogger<UpstreamUrlStep>.Instance);

    [Fact]
    public async Task An_unpinned_customer_goes_to_the_configured_url()
    {
        var request = AdmissionRequests.Authenticated(AdmissionRequests.Customer());

        Assert.Null(await _step.RunAsync(request));
        Assert.Null(request.UpstreamBaseUrl);
    }

    [Theory]
    [InlineData("wss://api.eu.deepgram.com", "https://api.eu.deepgram.com")]
    [InlineData("ws://127.0.0.1:8082", "http://127.0.0.1:8082")]
    public async Task A_pinned_customer_goes_to_its_pin_in_the_forwarders_form(string pin, string baseUrl)
    {
        var request = Pinned(pin);

        Assert.Null(await _step.RunAsync(request));
        Assert.Equal(baseUrl, request.UpstreamBaseUrl);
    }

    [Fact]
    public async Task A_pin_the_allowlist_no_longer_holds_is_refused_with_502_not_sent_to_the_default()
    {
        var request = Pinned("wss://api.us-gov.example.com");

        var refusal = await _step.RunAsync(request);

        Assert.Equal((502, "upstream_url_not_allowed", "key_1"), (refusal?.StatusCode, refusal?.Error, refusal?.KeyId));
        Assert.Null(request.UpstreamBaseUrl);
    }

    private static AdmissionRequest Pinned(string url) =>
        AdmissionRequests.Authenticated(AdmissionRequests.Customer() with { Settings = UpstreamSettingsTests.Parse(System.Text.Json.JsonSerializer.Serialize(url)) });
}
