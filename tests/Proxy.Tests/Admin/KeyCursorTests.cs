using Proxy.Admin;

namespace Proxy.Tests.Admin;

public sealed class KeyCursorTests
{
    [Fact]
    public void A_cursor_reads_back_as_it_was_given_out()
    {
        var cursor = new KeyCursor(1_796_000_000_123, "key_0123456789abcdef0123");
        Assert.True(KeyCursor.TryParse(cursor.ToString(), out var back));
        Assert.Equal(cursor, back);
        Assert.DoesNotContain('=', cursor.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64!")]
    [InlineData("MTIzNDU")] // "12345": no id
    [InlineData("LTE6a2V5X2E")] // "-1:key_a"
    [InlineData("MTIzOmtleSB7YX0")] // "123:key {a}"
    [InlineData("OmtleV9h")] // ":key_a"
    public void Anything_the_api_did_not_give_out_is_refused(string text) => Assert.False(KeyCursor.TryParse(text, out _));

    [Fact]
    public void Keys_after_a_cursor_are_newer_or_as_old_with_a_larger_id()
    {
        var cursor = new KeyCursor(1000, "key_5");
        Assert.True(cursor.Precedes(1001, "key_1"));
        Assert.True(cursor.Precedes(1000, "key_6"));
        Assert.False(cursor.Precedes(1000, "key_5"));
        Assert.False(cursor.Precedes(1000, "key_4"));
        Assert.False(cursor.Precedes(999, "key_9"));
    }
}
