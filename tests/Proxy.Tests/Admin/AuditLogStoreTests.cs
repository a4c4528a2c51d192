using Microsoft.Extensions.Options;
using Proxy.Admin;
using Proxy.Storage;

namespace Proxy.Tests.Admin;

/// <summary>The audit log's stream against a real redis-server: newest first, paged by an opaque cursor, filtered
/// by actor and instant, capped.</summary>
public sealed class AuditLogStoreTests : IClassFixture<AuditLogStoreTests.Redis>
{
    private readonly Redis _redis;
    private readonly RedisKeys _keys = new($"t{Guid.NewGuid():N}:");

    public AuditLogStoreTests(Redis redis)
    {
        _redis = redis;
    }

    [Fact]
    public async Task Paging_through_25_entries_by_10_gives_each_once_newest_first()
    {
        var store = Store();
        for (var i = 0; i < 25; i++)
        {
            await store.AppendAsync(Entry(atMs: 1_000 + i, actor: i % 2 == 0 ? "ops" : "finance", status: 200 + i));
        }

        var seen = new List<int>();
        AuditCursor? cursor = null;
        var pages = 0;
        do
        {
            var page = await store.ReadAsync(new AuditQuery(0, long.MaxValue, null, 10, cursor));
            seen.AddRange(page.Entries.Select(e => e.Status - 200));
            cursor = page.Next;
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Range(0, 25).Reverse(), seen);
    }

    [Fact]
    public async Task An_actor_and_an_instant_range_select_entries_across_batches()
    {
        // Instants near Redis's clock, as the proxy's are: the stream is searched by its ids (Redis time).
        var store = Store();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 0; i < 250; i++)
        {
            await store.AppendAsync(Entry(atMs: now + i, actor: i % 50 == 0 ? "rare" : "busy", status: i));
        }

        var rare = await store.ReadAsync(new AuditQuery(0, long.MaxValue, "rare", 100, null));
        Assert.Equal([200, 150, 100, 50, 0], rare.Entries.Select(e => e.Status));
        Assert.All(rare.Entries, e => Assert.Equal("rare", e.Actor));
        Assert.Null(rare.Next);

        var window = await store.ReadAsync(new AuditQuery(now + 100, now + 104, null, 100, null));
        Assert.Equal([104, 103, 102, 101, 100], window.Entries.Select(e => e.Status));
    }

    [Fact]
    public async Task An_empty_log_is_one_empty_page()
    {
        var page = await Store().ReadAsync(new AuditQuery(0, long.MaxValue, null, 100, null));

        Assert.Empty(page.Entries);
        Assert.Null(page.Next);
    }

    [Fact]
    public async Task Each_append_trims_the_log_to_about_the_cap()
    {
        var store = Store(maxEntries: 10);
        for (var i = 0; i < 1_000; i++)
        {
            await store.AppendAsync(Entry(atMs: i, actor: "ops", status: 200));
        }

        // MAXLEN ~ trims whole nodes of the stream (100 entries by default), so about the cap, never all 1,000.
        var length = await _redis.Server.Database.StreamLengthAsync(_keys.Audit);
        Assert.InRange(length, 10, 200);
    }

    private AuditLogStore Store(int maxEntries = AdminOptions.DefaultAuditMaxEntries) =>
        new(_redis.Server.Connection!, _keys, Options.Create(new AdminOptions { AuditMaxEntries = maxEntries }));

    private static AuditEntry Entry(long atMs, string actor, int status) =>
        new(atMs, actor, AdminRole.Admin, "PUT", "/admin/v1/customers/acme", "/admin/v1/customers/{customerId}", status);

    public sealed class Redis : IAsyncLifetime
    {
        internal RedisServer Server { get; private set; } = null!;

        public async Task InitializeAsync() => Server = await RedisServer.StartAsync();

        public async Task DisposeAsync() => await Server.DisposeAsync();
    }
}
