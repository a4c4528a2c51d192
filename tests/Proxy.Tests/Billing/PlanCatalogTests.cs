using Microsoft.Extensions.Logging.Abstractions;
using Proxy.Billing;
using Proxy.Storage;

namespace Proxy.Tests.Billing;

/// <summary>The version in force at an instant, and when the catalog may answer from memory.</summary>
public sealed class PlanCatalogTests : IAsyncLifetime
{
    private static readonly RedisKeys Keys = new("dgp:");
    private RedisServer? _redis;
    private PlanStore? _store;
    private PlanCatalog? _catalog;

    private PlanStore Store => _store!;

    private PlanCatalog Catalog => _catalog!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _store = new PlanStore(_redis.Connection!, Keys);
        _catalog = new PlanCatalog(_store, NullLogger<PlanCatalog>.Instance);
    }

    public async Task DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    private static PlanVersionPeriod Period(int version, long createdAtMs, long? deletedAtMs = null) =>
        new(PlanStoreTests.Terms("gold") with { Version = version, CreatedAtMs = createdAtMs }, deletedAtMs);

    [Theory]
    [InlineData(999, null)]
    [InlineData(1000, 1)]
    [InlineData(1999, 1)]
    [InlineData(2000, 3)] // two versions made in the same ms: the later one
    [InlineData(2999, 3)]
    [InlineData(3000, null)] // deleted while 3 was current
    [InlineData(3999, null)]
    [InlineData(4000, 4)] // put again
    [InlineData(long.MaxValue, 4)]
    public void The_version_in_force_is_the_latest_made_at_or_before_the_instant_unless_deleted_by_then(long atMs, int? expected)
    {
        var history = new PlanHistory([Period(1, 1000), Period(2, 2000), Period(3, 2000, deletedAtMs: 3000), Period(4, 4000)], ReadAtMs: 5000);

        Assert.Equal(expected, PlanCatalog.InForce(history, atMs)?.Version);
    }

    [Fact]
    public async Task A_version_made_after_the_last_read_is_seen_by_a_session_that_opened_after_that_read()
    {
        var v1 = (await Store.PutAsync(PlanStoreTests.Terms("gold", 1))).Created!;
        Assert.Equal(1, (await Catalog.InForceAsync("gold", v1.CreatedAtMs))!.Version);

        var v2 = (await Store.PutAsync(PlanStoreTests.Terms("gold", 2))).Created!;

        // v2 was stamped at or after the catalog's read, so its instant is not one the cached history can answer.
        Assert.Equal(2, (await Catalog.InForceAsync("gold", v2.CreatedAtMs))!.Version);
        Assert.Equal(2, (await Catalog.InForceAsync("gold", long.MaxValue))!.Version);
        if (v2.CreatedAtMs > v1.CreatedAtMs)
        {
            Assert.Equal(1, (await Catalog.InForceAsync("gold", v2.CreatedAtMs - 1))!.Version);
        }
    }

    [Fact]
    public async Task Instants_before_the_last_read_are_answered_from_memory_and_later_ones_cannot_be_when_nothing_is_cached()
    {
        var v1 = (await Store.PutAsync(PlanStoreTests.Terms("gold"))).Created!;
        await Catalog.InForceAsync("gold", v1.CreatedAtMs);

        await _redis!.KillAsync();

        // Before the read: known for good. After it: the cache is the best answer there is while Redis is down.
        Assert.Equal(1, (await Catalog.InForceAsync("gold", v1.CreatedAtMs))!.Version);
        Assert.Equal(1, (await Catalog.InForceAsync("gold", long.MaxValue))!.Version);
        await Assert.ThrowsAsync<StorageUnavailableException>(() => Catalog.InForceAsync("silver", v1.CreatedAtMs));
    }

    [Fact]
    public async Task A_plan_that_does_not_exist_has_no_version_in_force_until_it_is_put()
    {
        var before = (await Store.PutAsync(PlanStoreTests.Terms("other"))).Created!.CreatedAtMs;
        Assert.Null(await Catalog.InForceAsync("gold", before));

        var v1 = (await Store.PutAsync(PlanStoreTests.Terms("gold"))).Created!;

        Assert.Equal(1, (await Catalog.InForceAsync("gold", v1.CreatedAtMs))!.Version);
    }

    [Fact]
    public async Task A_plan_label_no_plan_id_can_spell_has_no_version_even_with_redis_down()
    {
        await _redis!.KillAsync();

        Assert.Null(await Catalog.InForceAsync("Gold tier", 1));
    }

    [Fact]
    public async Task A_deleted_plan_still_rates_sessions_that_opened_before_the_delete()
    {
        var v1 = (await Store.PutAsync(PlanStoreTests.Terms("gold"))).Created!;
        await Catalog.InForceAsync("gold", v1.CreatedAtMs);
        await Store.DeleteAsync("gold");
        var deletedAtMs = (await Store.ReadHistoryAsync("gold", known: null)).Versions.Single().DeletedAtMs!.Value;

        Assert.Null(await Catalog.InForceAsync("gold", deletedAtMs));
        if (deletedAtMs > v1.CreatedAtMs)
        {
            Assert.Equal(1, (await Catalog.InForceAsync("gold", deletedAtMs - 1))!.Version);
        }
    }
}
