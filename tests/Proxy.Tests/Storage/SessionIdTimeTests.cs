using Proxy.Storage;

namespace Proxy.Tests.Storage;

public sealed class SessionIdTimeTests
{
    [Fact]
    public void A_uuid_v7_gives_the_instant_and_utc_day_it_was_made()
    {
        var made = new DateTimeOffset(2026, 12, 7, 23, 59, 59, 999, TimeSpan.Zero);
        var id = Guid.CreateVersion7(made).ToString();

        Assert.True(SessionIdTime.TryGetUnixMs(id, out var ms));
        Assert.Equal(made.ToUnixTimeMilliseconds(), ms);
        Assert.Equal(new DateOnly(2026, 12, 7), SessionIdTime.Day(id));
    }

    [Fact]
    public void The_day_is_the_utc_day_whatever_the_offset_it_was_made_with()
    {
        var id = Guid.CreateVersion7(new DateTimeOffset(2026, 12, 8, 0, 30, 0, TimeSpan.FromHours(2))).ToString();

        Assert.Equal(new DateOnly(2026, 12, 7), SessionIdTime.Day(id));
    }

    [Theory]
    [InlineData("0193a1b2-c3d4-4e5f-8a9b-0c1d2e3f4a5b")] // version 4
    [InlineData("{0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b}")] // not the canonical form the proxy writes
    [InlineData("0193A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B")] // upper case: a different index field
    [InlineData("0193a1b2c3d47e5f8a9b0c1d2e3f4a5b")]
    [InlineData("0193a1b2-c3d4-7e5f-ca9b-0c1d2e3f4a5b")] // not the RFC 9562 variant
    [InlineData("not-a-session")]
    [InlineData("")]
    public void Anything_but_a_canonical_uuid_v7_has_no_day(string sessionId)
    {
        Assert.Null(SessionIdTime.Day(sessionId));
    }
}
