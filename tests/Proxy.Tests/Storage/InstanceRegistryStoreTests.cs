using Microsoft.Extensions.Time.Testing;
using Proxy.Storage;
using Proxy.Tests.TestSupport;

namespace Proxy.Tests.Storage;

/// <summary>The instance registry against a real redis-server, on a fake clock: stale after three missed intervals,
/// dropped after ten minutes, listed by id.</summary>
public sealed class InstanceRegistryStoreTests : IAsyncLifetime
{
    private static readonly RedisKeys Keys = new("dgp:");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 8, 1, 0, 0, TimeSpan.Zero));
    private RedisServer? _redis;

    private InstanceRegistryStore Store => new(_redis!.Connection!, Keys, _time);

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    private InstanceEntry Entry(string id, long intervalMs = 5_000) => new(id, Ready: true, RedisConnected: true, LiveSessions: 3, SpoolPendingBytes: 12, StartedAtMs: NowMs - 60_000, LastSeenMs: NowMs, intervalMs);

    [Fact]
    public async Task Entries_read_back_as_written_by_instance_id()
    {
        var second = Entry("gw-b");
        var first = Entry("gw-a") with { Ready = false, LiveSessions = 0 };
        await Store.WriteAsync(second);
        await Store.WriteAsync(first);

        Assert.Equal([first, second], await Store.ListAsync());
    }

    [Fact]
    public async Task An_instance_is_stale_once_it_missed_three_of_its_own_intervals()
    {
        var quick = Entry("quick", intervalMs: 1_000);
        var slow = Entry("slow", intervalMs: 5_000);
        await Store.WriteAsync(quick);
        await Store.WriteAsync(slow);

        _time.Advance(TimeSpan.FromMilliseconds(3_000));
        Assert.False(quick.IsStaleAt(NowMs));

        _time.Advance(TimeSpan.FromMilliseconds(1));
        var listed = await Store.ListAsync();
        Assert.Equal([true, false], listed.Select(e => e.IsStaleAt(NowMs)));
    }

    [Fact]
    public async Task Entries_not_written_for_ten_minutes_are_dropped_by_the_read()
    {
        await Store.WriteAsync(Entry("gone"));
        _time.Advance(TimeSpan.FromMinutes(9));
        await Store.WriteAsync(Entry("alive"));

        _time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromMilliseconds(1));

        Assert.Equal(["alive"], (await Store.ListAsync()).Select(e => e.InstanceId));
        Assert.False(await _redis!.Database.HashExistsAsync(Keys.Instances, "gone"));
    }

    [Fact]
    public async Task A_removed_or_unreadable_entry_is_not_listed()
    {
        await Store.WriteAsync(Entry("stopped"));
        await Store.WriteAsync(Entry("kept"));
        await _redis!.Database.HashSetAsync(Keys.Instances, "garbled", "{not json");

        await Store.RemoveAsync("stopped");

        Assert.Equal(["kept"], (await Store.ListAsync()).Select(e => e.InstanceId));
        Assert.False(await _redis.Database.HashExistsAsync(Keys.Instances, "garbled"));
    }
}
