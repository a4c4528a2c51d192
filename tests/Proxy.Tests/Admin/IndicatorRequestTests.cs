using Proxy.Admin;

namespace Proxy.Tests.Admin;

public sealed class IndicatorRequestTests
{
    [Theory]
    [InlineData("""{"name":"lead_qualified","value":1}""", "lead_qualified", "1")]
    [InlineData("""{"value":0,"name":"a"}""", "a", "0")]
    [InlineData("""{"name":"csat.v2-x","value":4.25}""", "csat.v2-x", "4.25")]
    [InlineData("""{"name":"big","value":12345678901234567890}""", "big", "12345678901234567890")]
    public void A_name_by_the_id_rule_and_a_non_negative_number_are_accepted(string body, string name, string value)
    {
        Assert.True(IndicatorRequest.TryParse(body, out var request, out var error), error);
        Assert.Equal(name, request.Name);
        Assert.Equal(decimal.Parse(value, System.Globalization.CultureInfo.InvariantCulture), request.Value);
    }

    [Theory]
    [InlineData("""{"name":"a","value":-1}""", "value")]
    [InlineData("""{"name":"a","value":"1"}""", "value")]
    [InlineData("""{"name":"a","value":null}""", "value")]
    [InlineData("""{"name":"a","value":true}""", "value")]
    [InlineData("""{"name":"a"}""", "value")]
    [InlineData("""{"name":"a","value":1e400}""", "value")]
    [InlineData("""{"value":1}""", "name")]
    [InlineData("""{"name":"","value":1}""", "name")]
    [InlineData("""{"name":"has space","value":1}""", "name")]
    [InlineData("""{"name":"a:b","value":1}""", "name")]
    [InlineData("""{"name":"{a}","value":1}""", "name")]
    [InlineData("""{"name":7,"value":1}""", "name")]
    [InlineData("""{"name":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","value":1}""", "name")]
    [InlineData("""{"name":"a","value":1,"fee":5}""", "fee")]
    [InlineData("""[1]""", "JSON object")]
    [InlineData("""not json""", "JSON object")]
    [InlineData("", "JSON object")]
    public void A_bad_body_is_refused_naming_the_field(string body, string named)
    {
        Assert.False(IndicatorRequest.TryParse(body, out _, out var error));
        Assert.Contains(named, error, StringComparison.Ordinal);
    }
}
