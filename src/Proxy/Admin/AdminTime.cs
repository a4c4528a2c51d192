using System.Globalization;
using System.Text.Json;

namespace Proxy.Admin;

/// <summary>Instants in the admin API: Unix milliseconds, or ISO-8601 with an offset ("2026-12-01T00:00:00Z").</summary>
internal static class AdminTime
{
    // ISO-8601 only: a lenient parse would read "1.5" or "10:00" relative to today.
    private static readonly string[] IsoFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ssK",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd'T'HH:mmK",
        "yyyy-MM-dd",
    ];

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

        if (DateTimeOffset.TryParseExact(text.Trim(), IsoFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant))
        {
            unixMs = instant.ToUnixTimeMilliseconds();
            return unixMs >= 0;
        }

        return false;
    }

    /// <summary>
    /// Reads the optional <c>from</c>/<c>to</c> instants of a list query (unbounded when absent); the 400
    /// <c>invalid_query</c> answer naming the bad one, or null.
    /// </summary>
    public static IResult? ReadRange(IQueryCollection query, out long fromMs, out long toMs)
    {
        fromMs = 0L;
        toMs = long.MaxValue;
        if (query.ContainsKey("from") && !TryParse(query["from"], out fromMs))
        {
            return AdminResults.Error(StatusCodes.Status400BadRequest, "invalid_query", "from must be Unix milliseconds or an ISO-8601 instant.");
        }

        if (query.ContainsKey("to") && !TryParse(query["to"], out toMs))
        {
            return AdminResults.Error(StatusCodes.Status400BadRequest, "invalid_query", "to must be Unix milliseconds or an ISO-8601 instant.");
        }

        return null;
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
