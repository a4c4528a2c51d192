using Proxy.Admin;

namespace Proxy.Tests.Admin;

public sealed class SessionCursorTests
{
    private const string Id = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";

    [Fact]
    public void A_cursor_reads_back_as_it_was_given_out()
    {
        var cursor = new SessionCursor(1_796_000_000_123, Id);
        Assert.True(SessionCursor.TryParse(cursor.ToString(), out var back));
        Assert.Equal(cursor, back);
        Assert.DoesNotContain('=', cursor.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64!")]
    [InlineData("MTIzNDU")] // "12345": no id
    [InlineData("LTE6MDE5M2ExYjItYzNkNC03ZTVmLThhOWItMGMxZDJlM2Y0YTVi")] // "-1:<id>"
    [InlineData("MTIzOmFiYw")] // "123:abc": not a session id
    public void Anything_the_api_did_not_give_out_is_refused(string text) => Assert.False(SessionCursor.TryParse(text, out _));

    [Fact]
    public void Records_after_a_cursor_are_older_or_as_old_with_a_smaller_id()
    {
        var cursor = new SessionCursor(1000, "0193a1b2-c3d4-7e5f-8a9b-000000000005");
        Assert.True(cursor.IsBefore(999, "0193a1b2-c3d4-7e5f-8a9b-000000000009"));
        Assert.True(cursor.IsBefore(1000, "0193a1b2-c3d4-7e5f-8a9b-000000000004"));
        Assert.False(cursor.IsBefore(1000, "0193a1b2-c3d4-7e5f-8a9b-000000000005"));
        Assert.False(cursor.IsBefore(1001, "0193a1b2-c3d4-7e5f-8a9b-000000000001"));
    }
}
