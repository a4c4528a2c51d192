using System.Text.Json;
using Proxy.Admin;

namespace Proxy.Tests.Admin;

public sealed class AdminTimeTests
{
    [Theory]
    [InlineData("0", 0)]
    [InlineData("1796083200000", 1_796_083_200_000)]
    [InlineData("2026-12-01T00:00:00Z", 1_796_083_200_000)]
    [InlineData("2026-12-01T00:00:00.000Z", 1_796_083_200_000)]
    [InlineData("2026-12-01T01:00:00+01:00", 1_796_083_200_000)]
    [InlineData("2026-11-30T19:00:00-05:00", 1_796_083_200_000)]
    [InlineData("2026-11-26T10:30:15.123Z", 1_795_689_015_123)]
    [InlineData("2026-12-01T00:00:00", 1_796_083_200_000)]
    [InlineData("1970-01-01T00:00:00Z", 0)]
    public void Unix_ms_and_iso_instants_are_read(string text, long expected)
    {
        Assert.True(AdminTime.TryParse(text, out var unixMs));
        Assert.Equal(expected, unixMs);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("-1")]
    [InlineData("-1796083200000")]
    [InlineData("yesterday")]
    [InlineData("2026-13-01T00:00:00Z")]
    [InlineData("2026-12-01T25:00:00Z")]
    [InlineData("0x10")]
    [InlineData("99999999999999999999999")]
    public void Garbage_and_negative_instants_are_refused(string? text)
    {
        Assert.False(AdminTime.TryParse(text, out _));
    }

    [Fact]
    public void Iso_instant_before_the_epoch_is_refused_like_negative_ms()
    {
        Assert.False(AdminTime.TryParse("1969-12-31T23:59:59Z", out _));
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("10:00")]
    [InlineData("12/01/2026")]
    [InlineData("Dec 1 2026")]
    public void Text_that_is_neither_unix_ms_nor_iso_8601_is_refused(string text)
    {
        Assert.False(AdminTime.TryParse(text, out _));
    }

    [Theory]
    [InlineData("1796083200000", true, 1_796_083_200_000)]
    [InlineData("0", true, 0)]
    [InlineData("-5", false, 0)]
    [InlineData("1.5", false, 0)]
    [InlineData("1.5e3", false, 0)]
    [InlineData("\"2026-12-01T00:00:00Z\"", true, 1_796_083_200_000)]
    [InlineData("\"1796083200000\"", true, 1_796_083_200_000)]
    [InlineData("\"soon\"", false, 0)]
    [InlineData("true", false, 0)]
    [InlineData("null", false, 0)]
    [InlineData("{}", false, 0)]
    public void Json_numbers_and_strings_are_read(string json, bool ok, long expected)
    {
        using var document = JsonDocument.Parse(json);

        Assert.Equal(ok, AdminTime.TryParse(document.RootElement, out var unixMs));
        if (ok)
        {
            Assert.Equal(expected, unixMs);
        }
    }
}
