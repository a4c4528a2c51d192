namespace Proxy.Admin;

/// <summary>Where a page of records ended: its last record's open instant and id (records are listed newest first,
/// by open instant then id). Opaque to clients: base64url of <c>&lt;ms&gt;:&lt;session id&gt;</c>.</summary>
internal readonly record struct SessionCursor(long OpenedAtMs, string SessionId)
{
    /// <summary>True when a record comes after this cursor in the list (older, or as old with a smaller id).</summary>
    public bool IsBefore(long openedAtMs, string sessionId) =>
        openedAtMs < OpenedAtMs || (openedAtMs == OpenedAtMs && string.CompareOrdinal(sessionId, SessionId) < 0);

    public override string ToString() => CursorText.Encode(OpenedAtMs, SessionId);

    public static bool TryParse(string? text, out SessionCursor cursor)
    {
        cursor = default;
        if (!CursorText.TryDecode(text, out var ms, out var sessionId) || !Guid.TryParse(sessionId, out _))
        {
            return false;
        }

        cursor = new SessionCursor(ms, sessionId);
        return true;
    }
}
