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

    /// <summary>Milliseconds of linear PCM audio in <paramref name="payloadBytes"/>, when the Settings say what it is;
    /// compressed encodings (opus, flac, ...) are not derivable from byte counts and give null.</summary>
    public static long? AudioMs(long payloadBytes, string? encoding, int? sampleRate)
    {
        if (sampleRate is not { } rate || rate <= 0)
        {
            return null;
        }

        var bytesPerSample = encoding switch
        {
            "linear16" => 2,
            "linear32" => 4,
            "mulaw" or "alaw" => 1,
            _ => 0,
        };
        return bytesPerSample == 0 ? null : payloadBytes * 1000 / ((long)rate * bytesPerSample);
    }
}
