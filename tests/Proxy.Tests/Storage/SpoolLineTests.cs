using System.Text;
using System.Text.Json;
using Proxy.Storage;
using Proxy.Tests.TestSupport;

namespace Proxy.Tests.Storage;

public sealed class SpoolLineTests
{
    [Fact]
    public void An_entry_is_one_line_of_snake_case_json_that_decodes_to_the_same_entry()
    {
        var entry = Entry("session-1", SpoolEntry.Final);

        var line = SpoolLine.Encode(entry);

        Assert.DoesNotContain(SpoolLine.End, line);
        Assert.StartsWith("{\"op\":\"final\",\"record\":{\"session_id\":\"session-1\",", Encoding.UTF8.GetString(line), StringComparison.Ordinal);
        Assert.Equal(Json(entry), Json(SpoolLine.Decode(line)!));
    }

    [Fact]
    public void Joined_lines_each_end_with_a_newline_in_the_order_given()
    {
        var first = SpoolLine.Encode(Entry("session-1", SpoolEntry.Open));
        var second = SpoolLine.Encode(Entry("session-2", SpoolEntry.Final));

        var bytes = SpoolLine.Join([first, second]);

        Assert.Equal([.. first, SpoolLine.End, .. second, SpoolLine.End], bytes);
    }

    [Fact]
    public void A_torn_line_does_not_decode()
    {
        var line = SpoolLine.Encode(Entry("session-1", SpoolEntry.Open));

        Assert.ThrowsAny<JsonException>(() => SpoolLine.Decode(line.AsSpan(0, line.Length / 2)));
    }

    private static SpoolEntry Entry(string sessionId, string op) => new(op, TestSessionRecords.Minimal(sessionId));

    private static string Json(SpoolEntry entry) => JsonSerializer.Serialize(entry, SpoolJsonContext.Default.SpoolEntry);
}
