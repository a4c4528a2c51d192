using Proxy.Admin;

namespace Proxy.Tests.Admin;

public sealed class AuditCursorTests
{
    [Fact]
    public void A_cursor_round_trips_as_opaque_text()
    {
        var cursor = new AuditCursor(1_765_000_000_000, 7);

        var text = cursor.ToString();

        Assert.DoesNotContain("1765000000000", text, StringComparison.Ordinal);
        Assert.True(AuditCursor.TryParse(text, out var parsed));
        Assert.Equal(cursor, parsed);
        Assert.Equal("1765000000000-7", parsed.EntryId);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64 !")]
    [InlineData("MTc2NQ")] // "1765": no sequence
    [InlineData("LTE3NjUtMA")] // "-1765-0"
    [InlineData("YWNtZQ")] // "acme"
    public void Text_the_api_never_gave_out_is_refused(string text)
    {
        Assert.False(AuditCursor.TryParse(text, out _));
    }

    [Fact]
    public void The_id_before_steps_back_a_sequence_then_a_millisecond()
    {
        Assert.Equal(new AuditCursor(5, 2), new AuditCursor(5, 3).Previous());
        Assert.Equal(new AuditCursor(4, ulong.MaxValue), new AuditCursor(5, 0).Previous());
        Assert.Null(new AuditCursor(0, 0).Previous());
    }
}
