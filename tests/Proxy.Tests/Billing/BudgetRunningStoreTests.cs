using Proxy.Billing;
using Proxy.Storage;
using StackExchange.Redis;

namespace Proxy.Tests.Billing;

/// <summary>The running-cost script against a real redis-server: instances' shares add up with the month hash, and a
/// share stops counting when it expires or its session's record is closed (its cost is then in the month hash).</summary>
public sealed class BudgetRunningStoreTests : IAsyncLifetime
{
    private static readonly RedisKeys Keys = new("dgp:");
    private static readonly DateOnly Month = new(2026, 11, 26);
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);
    private RedisServer? _redis;

    private IDatabase Database => _redis!.Database;

    private BudgetRunningStore Store => new(_redis!.Connection!, Keys);

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_spend_is_the_month_hash_plus_every_instances_running_costs_for_the_customer_and_each_key()
    {
        await Database.HashSetAsync(Keys.UsageMonth("acme", Month), [new("cost_micros", 1_000), new("key:k1:cost_micros", 400)]);

        // Another instance published two sessions; this one publishes its own and reads everything back.
        await Store.PublishAndReadAsync("acme", Month, [Entry("s1", "k1", 10, 20), Entry("s2", "k2", 30, 60)], [], Ttl);
        var spent = await Store.PublishAndReadAsync("acme", Month, [Entry("s3", "k1", 5, 7)], ["k1", "k2", "k3"], Ttl);

        Assert.Equal(new SpentSoFar(1_045, 1_087), spent.Customer);
        Assert.Equal(new SpentSoFar(415, 427), spent.Keys["k1"]);
        Assert.Equal(new SpentSoFar(30, 60), spent.Keys["k2"]);
        Assert.Equal(new SpentSoFar(0, 0), spent.Keys["k3"]);
        Assert.True(await Database.KeyTimeToLiveAsync(Keys.BudgetRunning("acme", Month)) <= Ttl, "the running hash must expire");
    }

    [Fact]
    public async Task A_session_whose_record_is_closed_counts_once_through_the_month_hash_not_twice()
    {
        await Store.PublishAndReadAsync("acme", Month, [Entry("s1", "k1", 100, 200), Entry("s2", "k1", 50, 60)], [], Ttl);

        // s1 finalized: the finalize script closed its record and added its cost to the month hash in one step.
        await Database.HashSetAsync(Keys.Session("acme", "s1"), "status", "closed");
        await Database.HashSetAsync(Keys.UsageMonth("acme", Month), "cost_micros", 120);
        await Database.HashSetAsync(Keys.Session("acme", "s2"), "status", "open");
        var spent = await Store.PublishAndReadAsync("acme", Month, [], [], Ttl);

        Assert.Equal(new SpentSoFar(170, 180), spent.Customer);
        Assert.False(await Database.HashExistsAsync(Keys.BudgetRunning("acme", Month), "s1"));
    }

    [Fact]
    public async Task An_expired_share_no_longer_counts()
    {
        await Store.PublishAndReadAsync("acme", Month, [Entry("dead", "k1", 100, 200)], [], TimeSpan.FromMilliseconds(50));

        var deadline = DateTime.UtcNow.AddSeconds(10);
        SpentSoFar customer;
        do
        {
            await Task.Delay(60);
            customer = (await Store.PublishAndReadAsync("acme", Month, [Entry("live", "k1", 1, 2)], [], Ttl)).Customer;
        }
        while (customer.NowMicros != 1 && DateTime.UtcNow < deadline);

        Assert.Equal(new SpentSoFar(1, 2), customer);
    }

    [Fact]
    public async Task Another_month_or_customer_is_kept_apart()
    {
        await Store.PublishAndReadAsync("acme", Month.AddMonths(-1), [Entry("s1", "k1", 100, 200)], [], Ttl);
        await Store.PublishAndReadAsync("other", Month, [Entry("s2", "k1", 100, 200)], [], Ttl);

        var spent = await Store.PublishAndReadAsync("acme", Month, [], ["k1"], Ttl);

        Assert.Equal(new SpentSoFar(0, 0), spent.Customer);
        Assert.Equal(new SpentSoFar(0, 0), spent.Keys["k1"]);
    }

    [Fact]
    public async Task Redis_that_does_not_answer_is_reported_as_storage_unavailable()
    {
        await _redis!.KillAsync();

        await Assert.ThrowsAsync<StorageUnavailableException>(() => Store.PublishAndReadAsync("acme", Month, [], [], Ttl));
    }

    private static RunningCostEntry Entry(string sessionId, string keyId, long now, long withinLead) =>
        new(sessionId, keyId, new LiveSessionCost(now, withinLead));
}
