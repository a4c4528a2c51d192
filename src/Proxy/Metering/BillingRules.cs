namespace Proxy.Metering;

/// <summary>Deepgram's billing rule for agent sessions, applied to every record.</summary>
internal static class BillingRules
{
    /// <summary>Deepgram bills connection time in ms, and a session shorter than a second as a full second.</summary>
    public const long MinimumBillableMs = 1000;

    /// <summary>The billable time of a session: 0 when no upstream session was opened (nothing reached Deepgram),
    /// otherwise at least a second.</summary>
    public static long BillableMs(long? durationMs) =>
        durationMs is { } duration ? Math.Max(duration, MinimumBillableMs) : 0;

    /// <summary>Whole ms of a monotonic interval, rounded to the nearest ms.</summary>
    public static long ToMilliseconds(TimeSpan elapsed) =>
        (long)Math.Round(elapsed.TotalMilliseconds, MidpointRounding.AwayFromZero);

    /// <summary>
    /// Milliseconds of audio in <paramref name="payloadBytes"/>, when the Settings say what it is and the encoding has a
    /// fixed byte rate: linear16 (16 bit per sample), linear32 (32), mulaw and alaw (8); one channel, which is all the
    /// agent API takes. An encoding without a fixed byte rate (opus, ogg-opus, flac, speex, amr-nb, amr-wb, and g729,
    /// whose Annex B silence frames are shorter) or an unknown one gives null, as does a missing sample rate (Deepgram's
    /// documents disagree on its default). A sample rate without an encoding is linear16, Deepgram's default. Bytes of
    /// a container (audio.output.container other than none) count as audio. Rounded down to whole ms.
    /// </summary>
    public static long? AudioMs(long payloadBytes, string? encoding, int? sampleRate)
    {
        if (sampleRate is not { } rate || rate <= 0)
        {
            return null;
        }

        var bitsPerSample = encoding switch
        {
            null or "linear16" => 16,
            "linear32" => 32,
            "mulaw" or "alaw" => 8,
            _ => 0,
        };
        return bitsPerSample == 0 ? null : payloadBytes * 8 * 1000 / ((long)rate * bitsPerSample);
    }
}
