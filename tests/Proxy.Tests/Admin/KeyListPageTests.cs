using Proxy.Admin;
using Proxy.Customers;

namespace Proxy.Tests.Admin;

public sealed class KeyListPageTests
{
    [Fact]
    public void Paging_through_25_keys_by_10_gives_three_pages_with_every_key_once_in_creation_order()
    {
        // Shuffled, with creation instants shared by several keys: the order is (created, id), whatever Redis gave.
        var keys = Enumerable.Range(0, 25).Select(i => Key($"key_{i:x2}", 1000 + (i / 3))).Reverse().ToList();

        var pages = new List<IReadOnlyList<ProxyKey>>();
        KeyCursor? after = null;
        do
        {
            var (page, next) = KeyListPage.Cut(keys, after, 10);
            pages.Add(page);
            after = next;
            Assert.True(pages.Count <= 3, "more pages than keys allow");
        }
        while (after is not null);

        Assert.Equal([10, 10, 5], pages.Select(p => p.Count));
        Assert.Equal(
            Enumerable.Range(0, 25).Select(i => $"key_{i:x2}"),
            pages.SelectMany(p => p).Select(k => k.KeyId));
    }

    [Fact]
    public void A_key_issued_between_two_pages_comes_on_a_later_page_and_nothing_repeats()
    {
        var keys = Enumerable.Range(0, 4).Select(i => Key($"key_{i}", 1000 + i)).ToList();
        var (first, next) = KeyListPage.Cut(keys, null, 2);
        keys.Add(Key("key_new", 2000));

        var (second, last) = KeyListPage.Cut(keys, next, 2);
        var (third, end) = KeyListPage.Cut(keys, last, 2);

        Assert.Equal(["key_0", "key_1", "key_2", "key_3", "key_new"], first.Concat(second).Concat(third).Select(k => k.KeyId));
        Assert.Null(end);
    }

    [Fact]
    public void A_page_that_ends_the_list_has_no_next_cursor_even_when_full()
    {
        var keys = Enumerable.Range(0, 3).Select(i => Key($"key_{i}", 1000 + i)).ToList();
        var (page, next) = KeyListPage.Cut(keys, null, 3);
        Assert.Equal(3, page.Count);
        Assert.Null(next);
        Assert.Empty(KeyListPage.Cut([], null, 3).Keys);
    }

    private static ProxyKey Key(string id, long createdAtMs) =>
        new() { KeyId = id, CustomerId = "c", Prefix = "dgpk_x", CreatedAtMs = createdAtMs };
}
