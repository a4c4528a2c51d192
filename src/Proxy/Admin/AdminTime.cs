using System.Globalization;
using System.Text.Json;

namespace Proxy.Admin;

/// <summary>Instants in the admin API: Unix milliseconds, or ISO-8601 with an offset ("2026-12-01T00:00:00Z").</summary>
internal static class AdminTime
{
    public static bool TryParse(string? text, out long unixMs)
    {
        unixMs = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out unixMs))
        {
            return unixMs >= 0;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant))
        {
            unixMs = instant.ToUnixTimeMilliseconds();
            return true;
        }

        return false;
    }

    public static bool TryParse(JsonElement element, out long unixMs)
    {
        unixMs = 0;
        return element.ValueKind switch
        {
            JsonValueKind.Number => element.TryGetInt64(out unixMs) && unixMs >= 0,
            JsonValueKind.String => TryParse(element.GetString(), out unixMs),
            _ => false,
        };
    }
}
