using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Net.Http.Headers;
using Proxy.Gateway;
using Proxy.Runtime;
using Proxy.Tests.TestSupport;

namespace Proxy.Tests.Gateway;

public sealed class AdmissionRefusalWriterTests : IDisposable
{
    private readonly TestLifetime _lifetime = new();
    private readonly GatewayServices _services;

    public AdmissionRefusalWriterTests()
    {
        _services = new GatewayServices(
            TimeProvider.System,
            TestMetrics.Create(),
            new ProxyReadiness(new TestStorageStatus(IsRedisConnected: true, IsSpoolFull: false, FailOpen: false), _lifetime),
            NullLogger<AgentEndpoint>.Instance);
    }

    public void Dispose() => _lifetime.Dispose();

    [Fact]
    public async Task A_refusal_is_its_status_its_json_error_and_its_headers()
    {
        var context = NewContext();
        var refusal = new AdmissionRefusal(429, "concurrency_limit", "The customer already has 2 live sessions, its maximum of 2.")
        {
            RetryAfterSeconds = 15,
            Headers = [new("X-Test", "yes")],
        };

        await AdmissionRefusalWriter.WriteAsync(context, refusal, _services);

        Assert.Equal(429, context.Response.StatusCode);
        Assert.Equal("15", context.Response.Headers.RetryAfter.ToString());
        Assert.Equal("yes", context.Response.Headers["X-Test"].ToString());
        Assert.False(context.Response.Headers.ContainsKey(HeaderNames.WWWAuthenticate));
        using var body = JsonDocument.Parse(((MemoryStream)context.Response.Body).ToArray());
        Assert.Equal("concurrency_limit", body.RootElement.GetProperty("error").GetString());
        Assert.Equal(refusal.Message, body.RootElement.GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_401_names_the_token_scheme_the_client_should_use()
    {
        var context = NewContext();
        await AdmissionRefusalWriter.WriteAsync(context, new AdmissionRefusal(401, "invalid_key", "The proxy key is not valid."), _services);
        Assert.Equal("Token", context.Response.Headers.WWWAuthenticate.ToString());
    }

    private static DefaultHttpContext NewContext()
    {
        var context = new DefaultHttpContext();
        context.Response.Body = new MemoryStream();
        return context;
    }
}
