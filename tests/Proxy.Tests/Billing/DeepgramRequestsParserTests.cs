using System.Text;
using Proxy.Billing;

namespace Proxy.Tests.Billing;

public sealed class DeepgramRequestsParserTests
{
    private const string Page = """
        {"page":0,"limit":10,"requests":[
          {"request_id":"r-1","project_uuid":"p","created":"2026-12-01T10:00:00.250Z","path":"/v1/agent/converse","api_key_id":"k-1",
           "response":{"details":{"usd":0.01,"duration":12.3456,"method":"streaming"},"code":200,"completed":"2026-12-01T10:00:12Z"},"code":200},
          {"request_id":"r-2","created":"2026-12-01T11:00:00Z","path":"/v1/agent/converse","api_key_id":"k-1","response":{}},
          {"request_id":"r-3","created":"2026-12-01T12:00:00+01:00"}
        ]}
        """;

    [Fact]
    public void A_page_gives_its_requests_with_the_duration_in_whole_milliseconds_where_deepgram_gives_one()
    {
        var requests = Parse(Page);

        Assert.Equal(
            [
                new DeepgramRequest("r-1", DateTimeOffset.Parse("2026-12-01T10:00:00.250Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds(), "/v1/agent/converse", "k-1", 12346),
                new DeepgramRequest("r-2", DateTimeOffset.Parse("2026-12-01T11:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds(), "/v1/agent/converse", "k-1", null),
                new DeepgramRequest("r-3", DateTimeOffset.Parse("2026-12-01T11:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds(), null, null, null),
            ],
            requests);
    }

    [Fact]
    public void An_array_of_pages_gives_the_requests_of_every_page_in_order()
    {
        var requests = Parse($$"""[{{Page}}, {"page":1,"limit":10,"requests":[{"request_id":"r-4","created":"2026-12-02T00:00:00Z"}]}, {"requests":[]}]""");

        Assert.Equal(["r-1", "r-2", "r-3", "r-4"], requests.Select(r => r.RequestId));
    }

    [Theory]
    [InlineData("""{"requests":[{"created":"2026-12-01T10:00:00Z"}]}""", "requests[0].request_id is missing.")]
    [InlineData("""{"requests":[{"request_id":"a","created":"2026-12-01T10:00:00Z"},{"request_id":"b","created":"2026-12-01T10:00:00Z"},{"request_id":"c","created":"2026-12-01T10:00:00Z"},{"created":"2026-12-01T10:00:00Z"}]}""", "requests[3].request_id is missing.")]
    [InlineData("""{"requests":[{"request_id":42,"created":"2026-12-01T10:00:00Z"}]}""", "requests[0].request_id must be a non-empty string, not 42.")]
    [InlineData("""{"requests":[{"request_id":"a"}]}""", "requests[0].created is missing.")]
    [InlineData("""{"requests":[{"request_id":"a","created":"yesterday"}]}""", "requests[0].created must be an ISO-8601 instant")]
    [InlineData("""{"requests":[{"request_id":"a","created":"2026-12-01T10:00:00Z","path":7}]}""", "requests[0].path must be a string, not 7.")]
    [InlineData("""{"requests":[{"request_id":"a","created":"2026-12-01T10:00:00Z","api_key_id":[]}]}""", "requests[0].api_key_id must be a string, not an array.")]
    [InlineData("""{"requests":[{"request_id":"a","created":"2026-12-01T10:00:00Z","response":"ok"}]}""", "requests[0].response must be an object, not 'ok'.")]
    [InlineData("""{"requests":[{"request_id":"a","created":"2026-12-01T10:00:00Z","response":{"details":1}}]}""", "requests[0].response.details must be an object, not 1.")]
    [InlineData("""{"requests":[{"request_id":"a","created":"2026-12-01T10:00:00Z","response":{"details":{"duration":"12"}}}]}""", "requests[0].response.details.duration must be a number of seconds")]
    [InlineData("""{"requests":[{"request_id":"a","created":"2026-12-01T10:00:00Z","response":{"details":{"duration":-1}}}]}""", "requests[0].response.details.duration must be a number of seconds")]
    [InlineData("""{"requests":["r-1"]}""", "requests[0] must be an object, not 'r-1'.")]
    [InlineData("""{"page":0,"limit":10}""", "requests is missing.")]
    [InlineData("""{"requests":{}}""", "requests must be an array, not an object.")]
    [InlineData("""[{"requests":[]},{"page":1}]""", "[1].requests is missing.")]
    [InlineData("""[{"requests":[]},{"requests":[{"request_id":"a"}]}]""", "[1].requests[0].created is missing.")]
    [InlineData("""[{"requests":[]},"page"]""", "[1] must be a page object")]
    [InlineData("\"requests\"", "The body must be a requests-list page object or an array of them, not 'requests'.")]
    [InlineData("{\"requests\":[\n{\"request_id\":\"a\",\n\"created\":}]}", "The body is not valid JSON (line 3, byte 11 of that line).")]
    [InlineData("{\"requests\":[", "The body is not valid JSON (line 1")]
    public void A_wrong_shape_or_bad_json_is_refused_naming_where(string json, string expectedStart)
    {
        Assert.False(DeepgramRequestsParser.TryParse(Encoding.UTF8.GetBytes(json), out var requests, out var error));

        Assert.Null(requests);
        Assert.StartsWith(expectedStart, error, StringComparison.Ordinal);
    }

    private static IReadOnlyList<DeepgramRequest> Parse(string json)
    {
        Assert.True(DeepgramRequestsParser.TryParse(Encoding.UTF8.GetBytes(json), out var requests, out var error), error);
        return requests;
    }
}
