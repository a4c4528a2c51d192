using System.Text.Json;
using Proxy.Customers;

namespace Proxy.Tests.Customers;

/// <summary><c>allowed_origins</c> as the admin API takes it and the origin step reads it: origins only
/// (scheme://host[:port]), kept in the form browsers send.</summary>
public sealed class OriginSettingsTests
{
    [Fact]
    public void Origins_are_stored_in_the_form_browsers_send_and_read_back()
    {
        var settings = Parse("""["HTTPS://App.Example.com", "http://localhost:5173", "https://app.example.com:443", "https://[::1]:8443"]""");

        var allowed = OriginSettings.AllowedOriginsOf(settings);

        Assert.Equal(["https://app.example.com", "http://localhost:5173", "https://[::1]:8443"], allowed.Origins.ToArray());
        Assert.Equal("""["https://app.example.com","http://localhost:5173","https://[::1]:8443"]""", OriginSettings.AllowedOrigins.OverrideJson(settings)!.ToJsonString());
    }

    [Fact]
    public void Without_an_override_or_with_an_empty_list_any_origin_is_allowed()
    {
        Assert.True(OriginSettings.AllowedOriginsOf(CustomerSettings.None).AllowsAny);
        Assert.True(OriginSettings.AllowedOriginsOf(Parse("[]")).Allows("https://anything.example"));
        var effective = OriginSettings.EffectiveJson(CustomerSettings.None).ToDictionary(e => e.Key, e => e.Value.ToJsonString());
        Assert.Equal("[]", effective["allowed_origins"]);
    }

    [Theory]
    [InlineData("https://app.example.com", true)]
    [InlineData("https://APP.example.com", true)]
    [InlineData("https://app.example.com:443", true)]
    [InlineData("http://app.example.com", false)]
    [InlineData("https://app.example.com:8443", false)]
    [InlineData("https://evil.example.com", false)]
    [InlineData("https://app.example.com.evil.example", false)]
    [InlineData("null", false)]
    [InlineData("", false)]
    public void Only_a_listed_origin_is_allowed(string origin, bool allowed)
    {
        Assert.Equal(allowed, OriginSettings.AllowedOriginsOf(Parse("""["https://app.example.com"]""")).Allows(origin));
    }

    [Theory]
    [InlineData("""["https://app.example.com/"]""")]
    [InlineData("""["https://app.example.com/login"]""")]
    [InlineData("""["https://app.example.com?x=1"]""")]
    [InlineData("""["https://user@app.example.com"]""")]
    [InlineData("""["app.example.com"]""")]
    [InlineData("""["ftp://app.example.com"]""")]
    [InlineData("""["*"]""")]
    [InlineData("""[1]""")]
    [InlineData("\"https://app.example.com\"")]
    public void Anything_but_a_list_of_origins_is_refused_naming_allowed_origins(string json)
    {
        Assert.Equal(
            "allowed_origins must be a list of origins scheme://host[:port] (http or https, no path), such as \"https://app.example.com\", or null to inherit.",
            Error(json));
    }

    [Fact]
    public void More_than_a_hundred_origins_are_refused()
    {
        var json = JsonSerializer.Serialize(Enumerable.Range(0, 101).Select(i => $"https://a{i}.example.com"));
        Assert.StartsWith("allowed_origins must hold at most 100 origins", Error(json), StringComparison.Ordinal);
    }

    private static CustomerSettings Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        Assert.True(OriginSettings.AllowedOrigins.TryParse(document.RootElement, out var stored, out var error), error);
        return CustomerSettings.None.With(OriginSettings.AllowedOrigins, stored);
    }

    private static string? Error(string json)
    {
        using var document = JsonDocument.Parse(json);
        return OriginSettings.AllowedOrigins.TryParse(document.RootElement, out _, out var error) ? null : error;
    }
}
