using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Proxy.Admin;

/// <summary>Where a page of a customer's keys ended: its last key's creation instant and id (keys are listed oldest
/// first, by creation instant then id). Opaque to clients: base64url of <c>&lt;ms&gt;:&lt;key id&gt;</c>. A key issued
/// later is created later, so it lands after every cursor given out before it.</summary>
internal readonly partial record struct KeyCursor(long CreatedAtMs, string KeyId)
{
    /// <summary>True when a key comes after this cursor in the list (newer, or as old with a larger id).</summary>
    public bool Precedes(long createdAtMs, string keyId) =>
        createdAtMs > CreatedAtMs || (createdAtMs == CreatedAtMs && string.CompareOrdinal(keyId, KeyId) > 0);

    public override string ToString() =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(CreatedAtMs.ToString(CultureInfo.InvariantCulture) + ":" + KeyId));

    public static bool TryParse(string? text, out KeyCursor cursor)
    {
        cursor = default;
        if (string.IsNullOrEmpty(text) || text.Length > 128)
        {
            return false;
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(text));
        }
        catch (FormatException)
        {
            return false;
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0
            || !long.TryParse(decoded.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            || !KeyIdPattern().IsMatch(decoded.AsSpan(colon + 1)))
        {
            return false;
        }

        cursor = new KeyCursor(ms, decoded[(colon + 1)..]);
        return true;
    }

    // The shape of the ids ProxyKeySecrets makes ("key_" + hex), loosely: a cursor only has to name a position.
    [GeneratedRegex(@"\A[A-Za-z0-9_-]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex KeyIdPattern();
}
