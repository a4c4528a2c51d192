using Microsoft.Extensions.Logging.Abstractions;
using Proxy.Storage;
using Proxy.Tests.TestSupport;
using StackExchange.Redis;

namespace Proxy.Tests.Storage;

/// <summary>The lease scripts against a real redis-server: Redis's clock, no lease brought back, and every lease
/// taken or renewed lists its customer among the live ones.</summary>
public sealed class SessionLeaseStoreTests : IAsyncLifetime
{
    private static readonly RedisKeys Keys = new("dgp:");
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);
    private RedisServer? _redis;

    private RedisServer Redis => _redis!;

    private IDatabase Database => Redis.Database;

    private SessionLeaseStore Store => new(Redis.Connection!, Keys, Index, NullLogger<SessionLeaseStore>.Instance);

    private LiveCustomerIndex Index => new(Redis.Connection!, Keys);

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_renewal_that_arrives_after_the_final_record_released_the_lease_does_not_bring_it_back()
    {
        await Store.TryAcquireAsync("cust", "s1", Ttl, 1);

        // The heartbeat took its snapshot while the session was live; then the session finalized: its final record
        // closes the hash and removes the lease in one script.
        await Database.HashSetAsync(Keys.Session("cust", "s1"), "status", "closed");
        await Database.SortedSetRemoveAsync(Keys.Leases("cust"), "s1");
        var held = await Store.RenewAsync("cust", ["s1"], Ttl);

        Assert.Equal(0, held);
        Assert.Null(await Database.SortedSetScoreAsync(Keys.Leases("cust"), "s1"));
        var (admitted, _) = await Store.TryAcquireAsync("cust", "s2", Ttl, 1);
        Assert.True(admitted, "the finalized session still holds the customer's only slot");
    }

    [Fact]
    public async Task Sessions_admitted_while_redis_was_down_take_their_lease_at_the_first_renewal()
    {
        // s1: no record yet (its open record is still in the spool); s2: open record, no lease.
        await Database.HashSetAsync(Keys.Session("cust", "s2"), "status", "open");

        var held = await Store.RenewAsync("cust", ["s1", "s2"], Ttl);

        Assert.Equal(2, held);
        Assert.Equal(["s1", "s2"], (await Store.LiveAsync("cust")).Select(l => l.SessionId).Order());
    }

    [Fact]
    public async Task Expiries_are_computed_on_redis_clock_from_the_ttl()
    {
        // Bounded by Redis's clock read just before and just after: no assumption about how long the calls take.
        var before = await Database.ServerNowMsAsync();
        await Store.TryAcquireAsync("cust", "s1", Ttl, 0);
        var acquired = (long)(await Database.SortedSetScoreAsync(Keys.Leases("cust"), "s1"))!.Value;
        Assert.InRange(acquired, before + 30_000, await Database.ServerNowMsAsync() + 30_000);

        before = await Database.ServerNowMsAsync();
        await Store.RenewAsync("cust", ["s1"], TimeSpan.FromSeconds(60));
        var renewed = (await Store.LiveAsync("cust")).Single();
        Assert.InRange(renewed.ExpiresAtMs, before + 60_000, await Database.ServerNowMsAsync() + 60_000);
    }

    [Fact]
    public async Task Expired_and_live_leases_are_told_apart_by_redis_clock()
    {
        var redisNowMs = await Database.ServerNowMsAsync();
        await Database.SortedSetAddAsync(Keys.Leases("cust"), [new SortedSetEntry("gone", redisNowMs - 1_000), new SortedSetEntry("alive", redisNowMs + 60_000)]);

        Assert.Equal(["gone"], await Store.ExpiredAsync("cust"));
        Assert.Equal([("alive", redisNowMs + 60_000)], await Store.LiveAsync("cust"));

        // An expired lease does not count toward the limit.
        Assert.True((await Store.TryAcquireAsync("cust", "new", Ttl, 2)).Admitted);
        Assert.False((await Store.TryAcquireAsync("cust", "third", Ttl, 2)).Admitted);
    }

    [Fact]
    public async Task A_lease_taken_or_renewed_lists_its_customer_past_the_lease_expiry()
    {
        await Store.TryAcquireAsync("acquired", "s1", Ttl, 0);
        await Database.HashSetAsync(Keys.Session("renewed", "s2"), "status", "open");
        await Store.RenewAsync("renewed", ["s2"], Ttl);

        Assert.Equal(["acquired", "renewed"], await Index.LiveCustomersAsync());
        foreach (var (customer, session) in new[] { ("acquired", "s1"), ("renewed", "s2") })
        {
            var lease = (await Database.SortedSetScoreAsync(Keys.Leases(customer), session))!.Value;
            var listed = (await Database.SortedSetScoreAsync(Keys.LiveCustomers, customer))!.Value;
            Assert.True(listed >= lease + LiveCustomerIndex.Slack.TotalMilliseconds - 1_000, $"{customer}: listed until {listed}, lease until {lease}");
        }
    }

    [Fact]
    public async Task A_shorter_lease_does_not_shorten_the_customers_entry()
    {
        await Store.TryAcquireAsync("cust", "long", TimeSpan.FromMinutes(5), 0);
        var longEntry = (await Database.SortedSetScoreAsync(Keys.LiveCustomers, "cust"))!.Value;

        await Store.TryAcquireAsync("cust", "short", Ttl, 0);

        Assert.Equal(longEntry, (await Database.SortedSetScoreAsync(Keys.LiveCustomers, "cust"))!.Value);
    }

    [Fact]
    public async Task The_read_lists_only_customers_whose_entry_is_ahead_of_redis_clock_and_drops_the_others()
    {
        var redisNowMs = await Database.ServerNowMsAsync();
        await Database.SortedSetAddAsync(Keys.LiveCustomers, [
            new SortedSetEntry("gone", redisNowMs - 1_000),
            new SortedSetEntry("zeta", redisNowMs + 60_000),
            new SortedSetEntry("alpha", redisNowMs + 60_000),
        ]);

        Assert.Equal(["alpha", "zeta"], await Index.LiveCustomersAsync());
        Assert.Null(await Database.SortedSetScoreAsync(Keys.LiveCustomers, "gone"));
        Assert.Equal(2, await Database.SortedSetLengthAsync(Keys.LiveCustomers));
    }
}
