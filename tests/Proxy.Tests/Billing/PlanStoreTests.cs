using Proxy.Billing;
using Proxy.Storage;
using Proxy.Tests.TestSupport;
using StackExchange.Redis;

namespace Proxy.Tests.Billing;

/// <summary>The plan scripts against a real redis-server: versions numbered and stamped by Redis, never lost.</summary>
public sealed class PlanStoreTests : IAsyncLifetime
{
    private static readonly RedisKeys Keys = new("dgp:");
    private RedisServer? _redis;

    private PlanStore Store => new(_redis!.Connection!, Keys);

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    internal static PlanVersion Terms(string planId, long perMinuteMicros = 150_000, string currency = "USD") => new()
    {
        PlanId = planId,
        Version = 0,
        CreatedAtMs = 0,
        Currency = currency,
        PerMinuteMicros = perMinuteMicros,
        Rounding = RatingRounding.CeilMinute,
        ModelRates = [new ModelRate(ModelComponent.Think, "gpt-5", 500_000)],
        Indicators = new Dictionary<string, IndicatorPrice>(StringComparer.Ordinal) { ["lead_qualified"] = new(200_000) },
    };

    [Fact]
    public async Task Concurrent_puts_make_distinct_consecutive_versions_stamped_in_order_by_redis()
    {
        var before = await _redis!.Database.ServerNowMsAsync();
        var puts = await Task.WhenAll(Enumerable.Range(1, 20).Select(i => Task.Run(() => Store.PutAsync(Terms("gold", i)))));
        var after = await _redis!.Database.ServerNowMsAsync();

        var created = puts.Select(p => p.Created!).OrderBy(v => v.Version).ToList();
        Assert.Equal(Enumerable.Range(1, 20), created.Select(v => v.Version));
        Assert.All(created, v => Assert.InRange(v.CreatedAtMs, before, after));
        Assert.Equal(created.Select(v => v.CreatedAtMs).Order(), created.Select(v => v.CreatedAtMs));

        var stored = (await Store.VersionsAsync("gold"))!;
        Assert.Equal(created.Select(v => (v.Version, v.CreatedAtMs, v.PerMinuteMicros)), stored.Select(v => (v.Version, v.CreatedAtMs, v.PerMinuteMicros)));
        Assert.Equal(20, (await Store.CurrentAsync("gold"))!.Version);
    }

    [Fact]
    public async Task A_stored_version_reads_back_as_it_was_put()
    {
        var put = (await Store.PutAsync(Terms("gold"))).Created!;

        var current = (await Store.CurrentAsync("gold"))!;

        Assert.Equal(put.ModelRates, current.ModelRates);
        Assert.Equal(put.Indicators, current.Indicators);
        Assert.Equal(put with { ModelRates = current.ModelRates, Indicators = current.Indicators }, current);
    }

    [Fact]
    public async Task A_live_plan_keeps_its_currency()
    {
        await Store.PutAsync(Terms("gold", currency: "USD"));

        var refused = await Store.PutAsync(Terms("gold", currency: "EUR"));

        Assert.Null(refused.Created);
        Assert.Equal("USD", refused.CurrencyInForce);
        Assert.Equal(1, (await Store.CurrentAsync("gold"))!.Version);
    }

    [Fact]
    public async Task A_delete_hides_the_plan_but_keeps_its_versions_and_a_new_put_continues_the_numbering()
    {
        var first = (await Store.PutAsync(Terms("gold"))).Created!;

        Assert.True(await Store.DeleteAsync("gold"));
        Assert.False(await Store.DeleteAsync("gold"));
        Assert.Null(await Store.CurrentAsync("gold"));
        Assert.Null(await Store.VersionsAsync("gold"));

        var history = await Store.ReadHistoryAsync("gold", known: null);
        var period = Assert.Single(history.Versions);
        Assert.Equal(first.Version, period.Version.Version);
        Assert.InRange(period.DeletedAtMs!.Value, first.CreatedAtMs, history.ReadAtMs);

        // Deleted, the plan may come back in another currency (no customer is on it).
        var again = (await Store.PutAsync(Terms("gold", currency: "EUR"))).Created!;
        Assert.Equal(2, again.Version);
        Assert.True(again.CreatedAtMs >= period.DeletedAtMs);
        Assert.Equal([1, 2], (await Store.VersionsAsync("gold"))!.Select(v => v.Version));
    }

    [Fact]
    public async Task Deleting_a_plan_that_never_existed_finds_nothing()
    {
        Assert.False(await Store.DeleteAsync("nothing"));
        Assert.Null(await Store.CurrentAsync("nothing"));
        Assert.Empty((await Store.ReadHistoryAsync("nothing", known: null)).Versions);
    }

    [Fact]
    public async Task A_version_is_never_stamped_before_the_plans_previous_change()
    {
        // As after a failover to a node whose clock is behind: the plan's last change is in Redis's future.
        await Store.PutAsync(Terms("gold"));
        var future = await _redis!.Database.ServerNowMsAsync() + 3_600_000;
        await _redis!.Database.HashSetAsync(Keys.Plan("gold"), "last_at_ms", future);

        var next = (await Store.PutAsync(Terms("gold"))).Created!;

        Assert.Equal(future, next.CreatedAtMs);
    }

    [Fact]
    public async Task The_plan_list_holds_each_live_plans_current_version_by_id_and_follows_puts_and_deletes()
    {
        await Store.PutAsync(Terms("silver", 100_000));
        await Store.PutAsync(Terms("gold", 150_000));
        await Store.PutAsync(Terms("gold", 160_000));
        await Store.PutAsync(Terms("bronze"));
        await Store.DeleteAsync("bronze");

        var listed = await Store.ListCurrentAsync();

        Assert.Equal([("gold", 2, 160_000L), ("silver", 1, 100_000L)], listed.Select(p => (p.PlanId, p.Version, p.PerMinuteMicros)));
        Assert.Equal(["gold", "silver"], (await _redis!.Database.SortedSetRangeByRankAsync(Keys.PlanIndex)).Select(v => (string)v!));

        await Store.PutAsync(Terms("bronze"));
        Assert.Equal(["bronze", "gold", "silver"], (await Store.ListCurrentAsync()).Select(p => p.PlanId));
    }

    [Fact]
    public async Task The_start_up_backfill_lists_live_plans_stored_before_the_list_existed()
    {
        await Store.PutAsync(Terms("gold"));
        await Store.PutAsync(Terms("old-and-deleted"));
        await Store.DeleteAsync("old-and-deleted");
        await Store.PutAsync(Terms("silver"));

        // As an earlier version left them: plans, no list.
        await _redis!.Database.KeyDeleteAsync(Keys.PlanIndex);

        Assert.Equal(2, await Store.BackfillIndexAsync());
        Assert.Equal(["gold", "silver"], (await Store.ListCurrentAsync()).Select(p => p.PlanId));
        Assert.Equal(0, await Store.BackfillIndexAsync());
    }
}
