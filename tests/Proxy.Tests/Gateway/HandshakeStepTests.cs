using Microsoft.Net.Http.Headers;
using Proxy.Gateway;

namespace Proxy.Tests.Gateway;

public sealed class HandshakeStepTests
{
    private readonly HandshakeStep _step = new();

    [Fact]
    public async Task A_well_formed_version_13_upgrade_passes_and_keeps_its_upgrade_feature()
    {
        var request = AdmissionRequests.Upgrade();
        Assert.Null(await _step.RunAsync(request));
        Assert.NotNull(request.Upgrade);
    }

    [Theory]
    [InlineData("POST", "websocket", true)]
    [InlineData("GET", "h2c", true)]
    [InlineData("GET", "websocket", false)]
    public async Task Anything_but_a_websocket_GET_upgrade_gets_426_websocket_required_with_the_upgrade_headers(string method, string upgrade, bool upgradable)
    {
        var refusal = await _step.RunAsync(AdmissionRequests.Upgrade(r => { r.Method = method; r.Headers.Upgrade = upgrade; }, upgradable));
        Assert.NotNull(refusal);
        Assert.Equal((426, "websocket_required"), (refusal.StatusCode, refusal.Error));
        Assert.Contains(new KeyValuePair<string, string>(HeaderNames.Upgrade, "websocket"), refusal.Headers);
    }

    [Fact]
    public async Task Another_websocket_version_gets_426_naming_version_13()
    {
        var refusal = await _step.RunAsync(AdmissionRequests.Upgrade(r => r.Headers.SecWebSocketVersion = "8"));
        Assert.Equal("unsupported_websocket_version", refusal?.Error);
        Assert.Contains(new KeyValuePair<string, string>(HeaderNames.SecWebSocketVersion, "13"), refusal!.Headers);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64 at all!!!!!!!")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("AAAAAAAAAAAAAAAAAAAA")]
    public async Task A_key_that_is_not_the_base64_of_16_bytes_gets_400(string key)
    {
        var refusal = await _step.RunAsync(AdmissionRequests.Upgrade(r => r.Headers.SecWebSocketKey = key));
        Assert.Equal((400, "invalid_websocket_key"), (refusal?.StatusCode, refusal?.Error));
    }
}
