using System.Globalization;

namespace Proxy.Admin;

/// <summary>Where a page of the audit log ended: its last entry's id in the log's stream (<c>&lt;ms&gt;-&lt;seq&gt;</c>,
/// Redis's order of the entries). Opaque to clients: base64url of the id.</summary>
internal readonly record struct AuditCursor(ulong Ms, ulong Sequence)
{
    public string EntryId => Ms.ToString(CultureInfo.InvariantCulture) + "-" + Sequence.ToString(CultureInfo.InvariantCulture);

    /// <summary>The stream id right before this one, the newest the next page may hold; null before the first id.</summary>
    public AuditCursor? Previous() =>
        Sequence > 0 ? new AuditCursor(Ms, Sequence - 1)
        : Ms > 0 ? new AuditCursor(Ms - 1, ulong.MaxValue)
        : null;

    public override string ToString() => CursorText.Encode(EntryId);

    public static bool TryParse(string? text, out AuditCursor cursor)
    {
        cursor = default;
        return CursorText.TryDecode(text, out var position) && TryParseEntryId(position, out cursor);
    }

    /// <summary>Reads a stream entry id, <c>&lt;ms&gt;-&lt;seq&gt;</c>.</summary>
    public static bool TryParseEntryId(string? id, out AuditCursor cursor)
    {
        cursor = default;
        var dash = id?.IndexOf('-', StringComparison.Ordinal) ?? -1;
        if (dash <= 0
            || !ulong.TryParse(id.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            || !ulong.TryParse(id.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
        {
            return false;
        }

        cursor = new AuditCursor(ms, sequence);
        return true;
    }
}
