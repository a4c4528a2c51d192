using System.Globalization;

namespace Proxy.Emulator;

/// <summary>Instants as the management API writes them: UTC ISO-8601 with milliseconds.</summary>
internal static class DeepgramTime
{
    public static string Format(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static string FormatUnixMs(long unixMs) => Format(DateTimeOffset.FromUnixTimeMilliseconds(unixMs));

    /// <summary>A date (<c>YYYY-MM-DD</c>, midnight UTC) or an instant (without an offset: UTC).</summary>
    public static bool TryParse(string text, out DateTimeOffset instant) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out instant);
}
