using Proxy.Customers;

namespace Proxy.Admin;

/// <summary>One page of a customer's keys, cut from the whole list in memory: a customer has few keys, and the list
/// reads them all anyway to order them by creation.</summary>
internal static class KeyListPage
{
    /// <summary>The keys after <paramref name="after"/>, at most <paramref name="limit"/>, oldest first; the cursor of
    /// the next page, or null when this one is the last.</summary>
    public static (IReadOnlyList<ProxyKey> Keys, KeyCursor? Next) Cut(IEnumerable<ProxyKey> keys, KeyCursor? after, int limit)
    {
        var page = keys
            .Where(k => after is null || after.Value.Precedes(k.CreatedAtMs, k.KeyId))
            .OrderBy(k => k.CreatedAtMs)
            .ThenBy(k => k.KeyId, StringComparer.Ordinal)
            .Take(limit + 1)
            .ToList();
        if (page.Count <= limit)
        {
            return (page, null);
        }

        page.RemoveAt(limit);
        return (page, new KeyCursor(page[^1].CreatedAtMs, page[^1].KeyId));
    }
}
