using System.Text;
using Proxy.Metering;

namespace Proxy.Tests.Metering;

public sealed class WelcomeReaderTests
{
    [Fact]
    public void Request_id_of_a_welcome_is_read()
    {
        Assert.Equal(
            "fc553ec9-5874-49ca-a47c-b670d525a4b1",
            Read("""{"type":"Welcome","request_id":"fc553ec9-5874-49ca-a47c-b670d525a4b1"}"""));
    }

    [Fact]
    public void Request_id_may_come_first_or_after_nested_values()
    {
        Assert.Equal("r1", Read("""{"request_id":"r1","type":"Welcome"}"""));
        Assert.Equal("r2", Read("""{"type":"Welcome","meta":{"a":[1,{"b":2}],"request_id":"nested"},"list":[],"request_id":"r2"}"""));
    }

    [Theory]
    [InlineData("""{"type":"Welcome","meta":{"request_id":"nested"}}""")]
    [InlineData("""{"type":"Welcome","list":[{"request_id":"nested"}]}""")]
    [InlineData("""{"type":"Welcome"}""")]
    public void Only_a_top_level_request_id_counts(string json)
    {
        Assert.Null(Read(json));
    }

    [Theory]
    [InlineData("""{"type":"Welcome","request_id":42}""")]
    [InlineData("""{"type":"Welcome","request_id":null}""")]
    [InlineData("""{"type":"Welcome","request_id":{"id":"x"}}""")]
    [InlineData("""{"type":"Welcome","request_id":""}""")]
    public void Request_id_that_is_not_a_non_empty_string_is_null(string json)
    {
        Assert.Null(Read(json));
    }

    [Fact]
    public void Request_id_longer_than_128_characters_is_rejected_not_cut()
    {
        Assert.Equal(new string('r', 128), Read($$"""{"request_id":"{{new string('r', 128)}}"}"""));
        Assert.Null(Read($$"""{"request_id":"{{new string('r', 129)}}"}"""));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[\"request_id\",\"x\"]")]
    [InlineData("\"request_id\"")]
    [InlineData("{\"type\":\"Welcome\",\"meta\":{\"a\":")]
    public void Broken_or_non_object_json_gives_null(string json)
    {
        Assert.Null(Read(json));
    }

    [Fact]
    public void Escaped_request_id_is_unescaped()
    {
        Assert.Equal("a/b", Read("""{"request_id":"a\/b"}"""));
    }

    [Fact]
    public void Invalid_utf8_in_the_request_id_gives_null_not_an_exception()
    {
        byte[] json = [.. "{\"type\":\"Welcome\",\"request_id\":\"ab"u8, 0xC3, 0x28, .. "\"}"u8];

        Assert.Null(WelcomeReader.ReadRequestId(json));
    }

    private static string? Read(string json) => WelcomeReader.ReadRequestId(Encoding.UTF8.GetBytes(json));
}
