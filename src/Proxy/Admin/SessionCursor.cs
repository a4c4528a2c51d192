using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Proxy.Admin;

/// <summary>Where a page of records ended: its last record's open instant and id (records are listed newest first,
/// by open instant then id). Opaque to clients: base64url of <c>&lt;ms&gt;:&lt;session id&gt;</c>.</summary>
internal readonly record struct SessionCursor(long OpenedAtMs, string SessionId)
{
    /// <summary>True when a record comes after this cursor in the list (older, or as old with a smaller id).</summary>
    public bool IsBefore(long openedAtMs, string sessionId) =>
        openedAtMs < OpenedAtMs || (openedAtMs == OpenedAtMs && string.CompareOrdinal(sessionId, SessionId) < 0);

    public override string ToString() =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(OpenedAtMs.ToString(CultureInfo.InvariantCulture) + ":" + SessionId));

    public static bool TryParse(string? text, out SessionCursor cursor)
    {
        cursor = default;
        if (string.IsNullOrEmpty(text) || text.Length > 128)
        {
            return false;
        }

        byte[] bytes;
        try
        {
            bytes = Base64Url.DecodeFromChars(text);
        }
        catch (FormatException)
        {
            return false;
        }

        var decoded = Encoding.UTF8.GetString(bytes);
        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !long.TryParse(decoded.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            || !Guid.TryParse(decoded.AsSpan(colon + 1), out _))
        {
            return false;
        }

        cursor = new SessionCursor(ms, decoded[(colon + 1)..]);
        return true;
    }
}
