using Proxy.Metering;

namespace Proxy.Tests.Metering;

public sealed class BillingRulesTests
{
    [Fact]
    public void No_upstream_session_bills_nothing()
    {
        Assert.Equal(0, BillingRules.BillableMs(null));
    }

    [Theory]
    [InlineData(0, 1000)]
    [InlineData(1, 1000)]
    [InlineData(200, 1000)]
    [InlineData(999, 1000)]
    [InlineData(1000, 1000)]
    [InlineData(1001, 1001)]
    [InlineData(61_234, 61_234)]
    [InlineData(6_900_000, 6_900_000)]
    [InlineData(long.MaxValue, long.MaxValue)]
    public void Opened_session_bills_its_duration_with_a_one_second_minimum(long durationMs, long expected)
    {
        Assert.Equal(expected, BillingRules.BillableMs(durationMs));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(4_999, 0)]
    [InlineData(5_000, 1)]
    [InlineData(14_999, 1)]
    [InlineData(15_000, 2)]
    [InlineData(25_000, 3)]
    [InlineData(2_000_000, 200)]
    [InlineData(72_000_000_000, 7_200_000)]
    public void Elapsed_time_is_rounded_to_the_nearest_millisecond_halves_up(long ticks, long expectedMs)
    {
        Assert.Equal(expectedMs, BillingRules.ToMilliseconds(TimeSpan.FromTicks(ticks)));
    }

    [Theory]
    [InlineData(32_000, "linear16", 16_000, 1000)]
    [InlineData(31_999, "linear16", 16_000, 999)]
    [InlineData(48_000, "linear16", 24_000, 1000)]
    [InlineData(8_000, "mulaw", 8_000, 1000)]
    [InlineData(4_000, "alaw", 8_000, 500)]
    [InlineData(192_000, "linear32", 48_000, 1000)]
    [InlineData(0, "linear16", 16_000, 0)]
    [InlineData(115_200_000_000, "linear16", 16_000, 3_600_000_000)]
    [InlineData(115_200_000_000, "mulaw", 8_000, 14_400_000_000)]
    [InlineData(16_000, "mulaw", 16_000, 1000)]
    [InlineData(12_345, "alaw", 8_000, 1543)]
    public void Linear_pcm_audio_duration_follows_from_bytes_rate_and_sample_size(long bytes, string encoding, int rate, long expectedMs)
    {
        Assert.Equal(expectedMs, BillingRules.AudioMs(bytes, encoding, rate));
    }

    [Theory]
    [InlineData("opus", 16_000)]
    [InlineData("ogg-opus", 16_000)]
    [InlineData("flac", 16_000)]
    [InlineData("speex", 16_000)]
    [InlineData("amr-nb", 8_000)]
    [InlineData("amr-wb", 16_000)]
    [InlineData("g729", 8_000)]
    [InlineData("mp3", 16_000)]
    [InlineData("aac", 16_000)]
    [InlineData("Linear16", 16_000)]
    [InlineData("", 16_000)]
    [InlineData("linear16", null)]
    [InlineData("linear16", 0)]
    [InlineData("linear16", -8_000)]
    public void Unknown_encoding_or_missing_rate_gives_no_audio_duration(string? encoding, int? rate)
    {
        Assert.Null(BillingRules.AudioMs(32_000, encoding, rate));
    }

    [Fact]
    public void A_sample_rate_without_an_encoding_is_linear16_deepgrams_default()
    {
        Assert.Equal(1000, BillingRules.AudioMs(32_000, encoding: null, sampleRate: 16_000));
        Assert.Null(BillingRules.AudioMs(32_000, encoding: null, sampleRate: null));
    }
}
