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

    public override string ToString() => CursorText.Encode(CreatedAtMs, KeyId);

    public static bool TryParse(string? text, out KeyCursor cursor)
    {
        cursor = default;
        if (!CursorText.TryDecode(text, out var ms, out var keyId) || !KeyIdPattern().IsMatch(keyId))
        {
            return false;
        }

        cursor = new KeyCursor(ms, keyId);
        return true;
    }

    // The shape of the ids ProxyKeySecrets makes ("key_" + hex), loosely: a cursor only has to name a position.
    [GeneratedRegex(@"\A[A-Za-z0-9_-]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex KeyIdPattern();
}
