using System.Globalization;

namespace Proxy.Storage;

/// <summary>
/// Reads the creation instant a session id carries: the proxy makes ids as UUIDv7 (RFC 9562), whose first 48 bits are
/// Unix milliseconds. The session index is sharded by that day, so a lookup by id alone knows which shard to read.
/// </summary>
internal static class SessionIdTime
{
    /// <summary>The UTC day the id was made, or <c>null</c> for an id that is not a UUIDv7.</summary>
    public static DateOnly? Day(string sessionId) =>
        TryGetUnixMs(sessionId, out var ms) ? DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime) : null;

    public static bool TryGetUnixMs(string sessionId, out long unixMs)
    {
        unixMs = 0;

        // The canonical form only (lower-case "D", as Guid.ToString writes it): records are keyed by that spelling.
        if (sessionId.Length != 36 || !Guid.TryParseExact(sessionId, "D", out var guid) || guid.Version != 7
            || (guid.Variant & 0b1100) != 0b1000 || !string.Equals(guid.ToString(), sessionId, StringComparison.Ordinal))
        {
            return false;
        }

        // "tttttttt-tttt-7…": the 48-bit big-endian timestamp is the first 12 hex digits.
        return long.TryParse(string.Concat(sessionId.AsSpan(0, 8), sessionId.AsSpan(9, 4)), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out unixMs);
    }
}
