using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Proxy.Admin;

/// <summary>
/// The text of the list cursors (<see cref="SessionCursor"/>, <see cref="KeyCursor"/>, <see cref="CustomerCursor"/>):
/// base64url of a position, so clients treat it as opaque. Decoding only says whether the text is one the API could
/// have given out; each cursor then checks its own position.
/// </summary>
internal static class CursorText
{
    /// <summary>Longer than any cursor the API gives out.</summary>
    private const int MaxLength = 128;

    public static string Encode(string position) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(position));

    /// <summary><c>&lt;ms&gt;:&lt;id&gt;</c>, the position of lists ordered by an instant then an id.</summary>
    public static string Encode(long instantMs, string id) => Encode(instantMs.ToString(CultureInfo.InvariantCulture) + ":" + id);

    public static bool TryDecode(string? text, out string position)
    {
        position = "";
        if (string.IsNullOrEmpty(text) || text.Length > MaxLength)
        {
            return false;
        }

        try
        {
            position = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(text));
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Decodes a <c>&lt;ms&gt;:&lt;id&gt;</c> position; the id is the caller's to check.</summary>
    public static bool TryDecode(string? text, out long instantMs, out string id)
    {
        instantMs = 0;
        id = "";
        if (!TryDecode(text, out var position))
        {
            return false;
        }

        var colon = position.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !long.TryParse(position.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out instantMs))
        {
            return false;
        }

        id = position[(colon + 1)..];
        return true;
    }
}
