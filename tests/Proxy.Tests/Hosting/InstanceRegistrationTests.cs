using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Proxy.Hosting;
using Proxy.Runtime;
using Proxy.Sessions;
using Proxy.Storage;
using Proxy.Tests.Storage;
using Proxy.Tests.TestSupport;

namespace Proxy.Tests.Hosting;

/// <summary>What an instance writes about itself to the instance registry, against a real redis-server.</summary>
public sealed class InstanceRegistrationTests : IAsyncLifetime
{
    private static readonly RedisKeys Keys = new("dgp:");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 8, 1, 0, 0, TimeSpan.Zero));
    private RedisServer? _redis;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_entry_carries_the_instances_facts_follows_readiness_and_leaves_at_a_clean_stop()
    {
        var connection = _redis!.Connection!;
        var store = new InstanceRegistryStore(connection, Keys, _time);
        using var lifetime = new TestLifetime();
        var readiness = new ProxyReadiness(new TestStorageStatus(IsRedisConnected: true, IsSpoolFull: false, FailOpen: false), lifetime);
        using var spool = new RecordSpool(Options.Create(new StorageOptions { SpoolDirectory = "/spool" }), NullLogger<RecordSpool>.Instance, new MemorySpoolFileSystem());
        using var redisState = new RedisConnectionState(connection, _time);
        var instance = new ProxyInstance(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Instance:Id"] = "gw-test" }).Build());
        var options = new TestOptionsMonitor<SessionControlOptions>(new SessionControlOptions { HeartbeatInterval = TimeSpan.FromSeconds(2) });
        using var registration = new InstanceRegistration(store, instance, readiness, new SessionRegistry(), spool, redisState, options, _time, NullLogger<InstanceRegistration>.Instance);
        var startedAtMs = _time.GetUtcNow().ToUnixTimeMilliseconds();

        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.True(await registration.WriteAsync());
        Assert.Equal(new InstanceEntry("gw-test", true, true, 0, 0, startedAtMs, startedAtMs + 5_000, 2_000), Assert.Single(await store.ListAsync()));

        // Draining: still listed, not ready.
        lifetime.StopApplication();
        Assert.True(await registration.WriteAsync());
        Assert.False(Assert.Single(await store.ListAsync()).Ready);

        await registration.StopAsync(CancellationToken.None);
        Assert.Empty(await store.ListAsync());
    }
}
