using Proxy.Billing;
using Proxy.Storage;
using StackExchange.Redis;

namespace Proxy.Tests.Billing;

/// <summary>The usage reads against a real redis-server: which hashes are read and what comes back.</summary>
public sealed class UsageStoreTests : IClassFixture<UsageStoreTests.Redis>
{
    private readonly Redis _redis;
    private readonly RedisKeys _keys = new($"t{Guid.NewGuid():N}:");
    private readonly UsageStore _store;

    public UsageStoreTests(Redis redis)
    {
        _redis = redis;
        _store = new UsageStore(redis.Server.Connection!, _keys);
    }

    private IDatabase Db => _redis.Server.Database;

    [Fact]
    public async Task Only_the_days_of_the_range_that_have_a_hash_are_returned_in_order_with_every_field()
    {
        await Db.HashSetAsync(_keys.Usage("acme", new DateOnly(2026, 11, 30)), [new("sessions", 9)]);
        await Db.HashSetAsync(_keys.Usage("acme", new DateOnly(2026, 12, 3)), [new("sessions", 2), new("model:think:gpt-4o:2024:sessions", 1), new("currency", "USD")]);
        await Db.HashSetAsync(_keys.Usage("acme", new DateOnly(2026, 12, 1)), [new("sessions", 1)]);
        await Db.HashSetAsync(_keys.Usage("other", new DateOnly(2026, 12, 2)), [new("sessions", 5)]);
        await Db.HashSetAsync(_keys.Usage("acme", new DateOnly(2026, 12, 4)), [new("sessions", 7)]);

        var days = await _store.ReadAsync("acme", new UsageRange(new DateOnly(2026, 12, 1), new DateOnly(2026, 12, 3)));

        Assert.Equal([new DateOnly(2026, 12, 1), new DateOnly(2026, 12, 3)], days.Select(d => d.Day));
        Assert.Equal("1", days[0].Fields["sessions"]);
        Assert.Equal(
            new Dictionary<string, string> { ["sessions"] = "2", ["model:think:gpt-4o:2024:sessions"] = "1", ["currency"] = "USD" },
            days[1].Fields);
    }

    [Fact]
    public async Task The_longest_range_reads_every_day_of_it()
    {
        var from = new DateOnly(2026, 1, 1);
        var to = from.AddDays(UsageRange.MaxDays - 1);
        await Db.HashSetAsync(_keys.Usage("acme", from), [new("sessions", 1)]);
        await Db.HashSetAsync(_keys.Usage("acme", to), [new("sessions", 2)]);
        await Db.HashSetAsync(_keys.Usage("acme", to.AddDays(1)), [new("sessions", 4)]);

        var days = await _store.ReadAsync("acme", new UsageRange(from, to));

        Assert.Equal([from, to], days.Select(d => d.Day));
    }

    public sealed class Redis : IAsyncLifetime
    {
        internal RedisServer Server { get; private set; } = null!;

        public async Task InitializeAsync() => Server = await RedisServer.StartAsync();

        public async Task DisposeAsync() => await Server.DisposeAsync();
    }
}
