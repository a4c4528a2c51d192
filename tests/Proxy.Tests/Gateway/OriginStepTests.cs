using System.Text.Json;
using Proxy.Customers;
using Proxy.Gateway;

namespace Proxy.Tests.Gateway;

/// <summary>A customer's <c>allowed_origins</c> turns away browser pages not on it; server-side clients send no Origin.</summary>
public sealed class OriginStepTests
{
    private readonly OriginStep _step = new();

    [Fact]
    public async Task An_origin_not_on_the_customers_list_gets_403_origin_not_allowed_with_the_key_id()
    {
        var refusal = await _step.RunAsync(Request(["https://app.example.com"], "https://evil.example.com"));

        Assert.Equal((403, "origin_not_allowed", "key_1"), (refusal?.StatusCode, refusal?.Error, refusal?.KeyId));
    }

    [Fact]
    public async Task A_listed_origin_passes()
    {
        Assert.Null(await _step.RunAsync(Request(["https://app.example.com", "http://localhost:5173"], "http://localhost:5173")));
    }

    [Fact]
    public async Task A_request_without_origin_passes_a_list()
    {
        Assert.Null(await _step.RunAsync(Request(["https://app.example.com"], origin: null)));
    }

    [Fact]
    public async Task Any_origin_passes_a_customer_without_a_list()
    {
        Assert.Null(await _step.RunAsync(Request(origins: null, "https://evil.example.com")));
        Assert.Null(await _step.RunAsync(Request([], "https://evil.example.com")));
    }

    [Fact]
    public async Task Two_origin_headers_are_refused_even_when_one_is_listed()
    {
        var request = Request(["https://app.example.com"], origin: null);
        request.Http.Request.Headers.Origin = new(["https://app.example.com", "https://evil.example.com"]);

        Assert.Equal("origin_not_allowed", (await _step.RunAsync(request))?.Error);
    }

    private static AdmissionRequest Request(string[]? origins, string? origin)
    {
        var settings = CustomerSettings.None;
        if (origins is not null)
        {
            using var json = JsonDocument.Parse(JsonSerializer.Serialize(origins));
            Assert.True(OriginSettings.AllowedOrigins.TryParse(json.RootElement, out var stored, out var error), error);
            settings = settings.With(OriginSettings.AllowedOrigins, stored);
        }

        var request = AdmissionRequests.Authenticated(AdmissionRequests.Customer() with { Settings = settings });
        if (origin is not null)
        {
            request.Http.Request.Headers.Origin = origin;
        }

        return request;
    }
}
