using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Proxy.Runtime;
using Proxy.Storage;
using StackExchange.Redis;

namespace Proxy.Tests.Storage;

/// <summary>The lock against a real redis-server; the loop on a fake clock.</summary>
public sealed class LockedPeriodicJobTests : IClassFixture<LockedPeriodicJobTests.Redis>, IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private readonly Redis _redis;
    private readonly RedisKey _lock = $"t{Guid.NewGuid():N}:lock";
    private readonly FakeTimeProvider _time = new();
    private readonly RedisConnectionState _connection;
    private readonly CancellationTokenSource _stopping = new();

    public LockedPeriodicJobTests(Redis redis)
    {
        _redis = redis;
        _connection = new RedisConnectionState(Connection, _time);
    }

    private IConnectionMultiplexer Connection => _redis.Server.Connection!;

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
        _connection.Dispose();
    }

    [Fact]
    public async Task One_owner_at_a_time_holds_the_lock_for_three_intervals_and_keeps_it_from_pass_to_pass()
    {
        var first = Job("instance-a");
        var second = Job("instance-b");

        Assert.True(await first.TryHoldLockAsync());
        Assert.False(await second.TryHoldLockAsync());
        Assert.True(await first.TryHoldLockAsync());

        Assert.Equal("instance-a", (string?)await _redis.Server.Database.StringGetAsync(_lock));
        var ttl = await _redis.Server.Database.KeyTimeToLiveAsync(_lock);
        Assert.InRange(ttl!.Value, 2 * Interval, 3 * Interval);

        // Expired (its holder died): the next instance takes it.
        await _redis.Server.Database.KeyDeleteAsync(_lock);
        Assert.True(await second.TryHoldLockAsync());
        Assert.False(await first.TryHoldLockAsync());
    }

    [Fact]
    public async Task Releasing_gives_up_only_a_lock_this_instance_holds()
    {
        var first = Job("instance-a");
        var second = Job("instance-b");
        Assert.True(await first.TryHoldLockAsync());

        Assert.False(await second.ReleaseLockAsync());
        Assert.Equal("instance-a", (string?)await _redis.Server.Database.StringGetAsync(_lock));
        Assert.True(await first.ReleaseLockAsync());

        Assert.True(await second.TryHoldLockAsync());
    }

    [Fact]
    public async Task The_reaper_and_the_retention_sweep_take_their_own_locks_with_their_own_intervals()
    {
        var keys = new RedisKeys($"t{Guid.NewGuid():N}:");
        var instance = new ProxyInstance(new ConfigurationBuilder().AddInMemoryCollection([new("Instance:Id", "instance-a")]).Build());
        var options = Options.Create(new StorageOptions { ReaperInterval = TimeSpan.FromSeconds(5), RetentionSweepInterval = TimeSpan.FromMinutes(1) });
        var jobs = new LockedPeriodicJobs(Connection, _connection, keys, instance, options, _time);

        Assert.True(await jobs.OrphanReaper.TryHoldLockAsync());
        Assert.True(await jobs.RetentionSweep.TryHoldLockAsync());

        var db = _redis.Server.Database;
        Assert.Equal("instance-a", (string?)await db.StringGetAsync(keys.ReaperLock));
        Assert.Equal("instance-a", (string?)await db.StringGetAsync(keys.RetentionLock));
        Assert.InRange((await db.KeyTimeToLiveAsync(keys.ReaperLock))!.Value, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(15));
        Assert.InRange((await db.KeyTimeToLiveAsync(keys.RetentionLock))!.Value, TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(3));
        Assert.Equal(TimeSpan.FromSeconds(5), jobs.OrphanReaper.Interval);
        Assert.Equal(TimeSpan.FromMinutes(1), jobs.RetentionSweep.Interval);
    }

    [Fact]
    public async Task The_first_pass_comes_at_once_when_asked_and_the_next_one_an_interval_later()
    {
        var passes = new PassLog(_time);
        var running = Job("instance-a").RunAsync(passes.RunAsync, ex => throw ex, firstPassAtOnce: true, _stopping.Token);

        Assert.Equal(TimeSpan.Zero, await passes.NextAsync());
        _time.Advance(Interval);
        Assert.Equal(Interval, await passes.NextAsync());

        await StopAsync(running);
    }

    [Fact]
    public async Task Otherwise_the_first_pass_waits_an_interval()
    {
        var passes = new PassLog(_time);
        var running = Job("instance-a").RunAsync(passes.RunAsync, ex => throw ex, firstPassAtOnce: false, _stopping.Token);

        _time.Advance(Interval);
        Assert.Equal(Interval, await passes.NextAsync());

        await StopAsync(running);
    }

    [Fact]
    public async Task A_failed_pass_is_reported_and_the_next_one_comes_on_time()
    {
        var failures = new ConcurrentQueue<Exception>();
        var passes = new PassLog(_time, failFirst: true);
        var running = Job("instance-a").RunAsync(passes.RunAsync, failures.Enqueue, firstPassAtOnce: true, _stopping.Token);

        Assert.Equal(TimeSpan.Zero, await passes.NextAsync());
        Assert.Equal("first pass fails", Assert.Single(failures).Message);
        _time.Advance(Interval);
        Assert.Equal(Interval, await passes.NextAsync());
        Assert.Single(failures);

        await StopAsync(running);
    }

    [Fact]
    public async Task No_pass_runs_while_redis_is_unreachable()
    {
        // Nothing listens on this port: the multiplexer keeps trying, disconnected.
        var options = ConfigurationOptions.Parse($"127.0.0.1:{FreePort.Next()}");
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 200;
        await using var unreachable = await ConnectionMultiplexer.ConnectAsync(options);
        using var connection = new RedisConnectionState(unreachable, _time);
        var job = new LockedPeriodicJob(unreachable, connection, _lock, "instance-a", Interval, _time);
        var passes = new PassLog(_time);

        // A first pass at once would run before RunAsync returns: nothing is awaited ahead of it.
        var running = job.RunAsync(passes.RunAsync, ex => throw ex, firstPassAtOnce: true, _stopping.Token);

        Assert.Equal(0, passes.Count);
        await StopAsync(running);
    }

    [Fact]
    public async Task Stopping_ends_the_loop()
    {
        var running = Job("instance-a").RunAsync(_ => Task.CompletedTask, ex => throw ex, firstPassAtOnce: false, _stopping.Token);
        Assert.False(running.IsCompleted);

        await _stopping.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(Bound));
    }

    private LockedPeriodicJob Job(string owner) => new(Connection, _connection, _lock, owner, Interval, _time);

    private async Task StopAsync(Task running)
    {
        await _stopping.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(Bound));
    }

    /// <summary>When each pass ran, on the fake clock, since the test began.</summary>
    private sealed class PassLog(FakeTimeProvider time, bool failFirst = false)
    {
        private readonly DateTimeOffset _start = time.GetUtcNow();
        private readonly System.Threading.Channels.Channel<TimeSpan> _ran = System.Threading.Channels.Channel.CreateUnbounded<TimeSpan>();
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public Task RunAsync(CancellationToken cancellationToken)
        {
            var count = Interlocked.Increment(ref _count);
            _ran.Writer.TryWrite(time.GetUtcNow() - _start);
            return failFirst && count == 1 ? Task.FromException(new InvalidOperationException("first pass fails")) : Task.CompletedTask;
        }

        public async Task<TimeSpan> NextAsync() => await _ran.Reader.ReadAsync().AsTask().WaitAsync(Bound);
    }

    public sealed class Redis : IAsyncLifetime
    {
        internal RedisServer Server { get; private set; } = null!;

        public async Task InitializeAsync() => Server = await RedisServer.StartAsync();

        public async Task DisposeAsync() => await Server.DisposeAsync();
    }
}
