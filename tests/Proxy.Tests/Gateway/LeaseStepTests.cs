using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Proxy.Customers;
using Proxy.Gateway;
using Proxy.Runtime;
using Proxy.Sessions;
using Proxy.Storage;
using Proxy.Tests.TestSupport;

namespace Proxy.Tests.Gateway;

/// <summary>The last admission step against a real redis-server: the instance's places, the customer's cluster-wide
/// lease, and the fail_open / fail_closed answers when Redis cannot be asked.</summary>
public sealed class LeaseStepTests : IAsyncLifetime, IDisposable
{
    private static readonly RedisKeys Keys = new("dgp:");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero));
    private readonly TestLifetime _lifetime = new();
    private readonly TestStorageStatus _storage = new(IsRedisConnected: true, IsSpoolFull: false, FailOpen: true);
    private readonly SessionRegistry _registry = new();
    private RedisServer? _redis;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    public void Dispose() => _lifetime.Dispose();

    [Fact]
    public async Task An_admitted_client_holds_a_place_and_a_lease_in_redis_under_a_new_session_id()
    {
        var request = Request(limit: 2);
        Assert.Null(await Step().RunAsync(request));

        Assert.NotNull(request.Slot);
        Assert.Equal(("acme", "key_1", "pro", "instance-a"), (request.Identity?.CustomerId, request.Identity?.KeyId, request.Identity?.PlanId, request.Identity?.InstanceId));
        Assert.Equal(1, await _redis!.Database.SortedSetLengthAsync(Keys.Leases("acme")));
        Assert.NotNull(await _redis.Database.SortedSetScoreAsync(Keys.Leases("acme"), request.Identity!.SessionId));
    }

    [Fact]
    public async Task The_customers_limit_is_decided_by_redis_and_refused_with_429_and_retry_after_one_heartbeat()
    {
        Assert.Null(await Step().RunAsync(Request(limit: 1)));

        var refusal = await Step().RunAsync(Request(limit: 1));
        Assert.Equal((429, "concurrency_limit", 15), (refusal?.StatusCode, refusal?.Error, refusal?.RetryAfterSeconds));
        Assert.Contains("already has 1 live sessions", refusal!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_deepgram_key_at_its_cap_is_refused_with_429_before_the_customer_lease_and_frees_up_when_its_lease_is_released()
    {
        var step = Step(maxPerUpstreamKey: 1);
        var first = Request(limit: 0, upstreamKey: "dg-shared");
        Assert.Null(await step.RunAsync(first));
        var fingerprint = UpstreamKeyFingerprint.Of("dg-shared");
        Assert.Equal(fingerprint, first.Identity!.UpstreamKeyFingerprint);
        Assert.True(first.UpstreamKeyLeased);

        var second = Request(limit: 0, upstreamKey: "dg-shared");
        var refusal = await step.RunAsync(second);
        Assert.Equal((429, "upstream_concurrency_limit", 15), (refusal?.StatusCode, refusal?.Error, refusal?.RetryAfterSeconds));
        Assert.Contains("already carries 1 live sessions, its maximum of 1", refusal!.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("dg-shared", refusal.Message, StringComparison.Ordinal);

        // Only the first session holds a customer lease: the refused one took none.
        Assert.Equal(1, await _redis!.Database.SortedSetLengthAsync(Keys.Leases("acme")));

        // Another Deepgram key has its own count.
        Assert.Null(await step.RunAsync(Request(limit: 0, upstreamKey: "dg-other")));

        // Giving the slot back is not enough: the lease in Redis still counts on every instance.
        first.Slot!.Dispose();
        Assert.Equal("upstream_concurrency_limit", (await step.RunAsync(Request(limit: 0, upstreamKey: "dg-shared")))?.Error);

        await new UpstreamKeyLeaseStore(_redis.Connection!, Keys).ReleaseAsync(fingerprint, first.Identity.SessionId);
        Assert.Null(await step.RunAsync(Request(limit: 0, upstreamKey: "dg-shared")));
    }

    [Fact]
    public async Task The_deepgram_keys_cap_holds_across_instances_and_the_key_never_reaches_redis()
    {
        var first = Request(limit: 0, upstreamKey: "dg-cluster-secret");
        Assert.Null(await Step(maxPerUpstreamKey: 1).RunAsync(first));

        // Another instance: its own registry, the same Redis.
        var refusal = await Step(maxPerUpstreamKey: 1, registry: new SessionRegistry()).RunAsync(Request(limit: 0, upstreamKey: "dg-cluster-secret"));
        Assert.Equal((429, "upstream_concurrency_limit"), (refusal?.StatusCode, refusal?.Error));

        var keys = _redis!.Connection!.GetServers()[0].Keys(pattern: "*").Select(k => (string)k!).ToList();
        Assert.Contains(Keys.UpstreamKeyLeases(UpstreamKeyFingerprint.Of("dg-cluster-secret")).ToString(), keys);
        Assert.DoesNotContain(keys, k => k.Contains("dg-cluster-secret", StringComparison.Ordinal));
        foreach (var key in keys)
        {
            var type = await _redis.Database.KeyTypeAsync(key);
            if (type == StackExchange.Redis.RedisType.SortedSet)
            {
                Assert.DoesNotContain(await _redis.Database.SortedSetRangeByRankAsync(key), m => ((string)m!).Contains("dg-cluster-secret", StringComparison.Ordinal));
            }
        }
    }

    [Fact]
    public async Task A_customer_refused_after_the_key_gave_it_a_place_gives_the_place_back_at_once()
    {
        var step = Step(maxPerUpstreamKey: 5);
        Assert.Null(await step.RunAsync(Request(limit: 1, upstreamKey: "dg-shared")));
        var refusal = await step.RunAsync(Request(limit: 1, upstreamKey: "dg-shared"));
        Assert.Equal("concurrency_limit", refusal?.Error);

        Assert.Equal(1, await _redis!.Database.SortedSetLengthAsync(Keys.UpstreamKeyLeases(UpstreamKeyFingerprint.Of("dg-shared"))));
    }

    [Fact]
    public async Task With_redis_unreachable_fail_open_holds_the_deepgram_keys_cap_on_this_instance_alone_and_fail_closed_refuses()
    {
        _storage.IsRedisConnected = false;
        var first = Request(limit: 0, upstreamKey: "dg-shared");
        Assert.Null(await Step(maxPerUpstreamKey: 1).RunAsync(first));
        Assert.False(first.UpstreamKeyLeased);
        Assert.Equal(UpstreamKeyFingerprint.Of("dg-shared"), first.Identity!.UpstreamKeyFingerprint);

        Assert.Equal("upstream_concurrency_limit", (await Step(maxPerUpstreamKey: 1).RunAsync(Request(limit: 0, upstreamKey: "dg-shared")))?.Error);
        Assert.False(await _redis!.Database.KeyExistsAsync(Keys.UpstreamKeyLeases(UpstreamKeyFingerprint.Of("dg-shared"))));

        _storage.FailOpen = false;
        first.Slot!.Dispose();
        var closed = await Step(maxPerUpstreamKey: 1).RunAsync(Request(limit: 0, upstreamKey: "dg-shared"));
        Assert.Equal((503, "not_ready"), (closed?.StatusCode, closed?.Error));
    }

    [Fact]
    public async Task A_full_instance_refuses_with_instance_full_before_asking_redis()
    {
        var step = Step(maxPerInstance: 1);
        Assert.Null(await step.RunAsync(Request(limit: 0)));

        var refusal = await step.RunAsync(Request(limit: 0));
        Assert.Equal((429, "instance_full"), (refusal?.StatusCode, refusal?.Error));
        Assert.Equal(1, await _redis!.Database.SortedSetLengthAsync(Keys.Leases("acme")));
    }

    [Fact]
    public async Task With_redis_unreachable_fail_open_holds_the_limit_on_this_instance_alone()
    {
        _storage.IsRedisConnected = false;
        var first = Request(limit: 1);
        Assert.Null(await Step().RunAsync(first));

        var refusal = await Step().RunAsync(Request(limit: 1));
        Assert.Equal("concurrency_limit", refusal?.Error);
        Assert.Equal(0, await _redis!.Database.SortedSetLengthAsync(Keys.Leases("acme")));

        // The first session's place is given back: the customer may open another.
        first.Slot!.Dispose();
        Assert.Null(await Step().RunAsync(Request(limit: 1)));
    }

    [Fact]
    public async Task A_key_checked_from_memory_is_not_leased_even_if_redis_seems_connected()
    {
        var request = Request(limit: 1);
        request.Authentication = request.Authentication! with { FromMemory = true };
        Assert.Null(await Step().RunAsync(request));
        Assert.Equal(0, await _redis!.Database.SortedSetLengthAsync(Keys.Leases("acme")));
    }

    [Fact]
    public async Task With_redis_unreachable_fail_closed_answers_503_not_ready()
    {
        _storage.IsRedisConnected = false;
        _storage.FailOpen = false;
        var refusal = await Step().RunAsync(Request(limit: 1));
        Assert.Equal((503, "not_ready"), (refusal?.StatusCode, refusal?.Error));
    }

    private static AdmissionRequest Request(int limit, string upstreamKey = "dg-default")
    {
        var request = AdmissionRequests.Authenticated(AdmissionRequests.Customer());
        request.Policy = new SessionPolicy { MaxConcurrentSessions = limit };
        request.UpstreamKey = upstreamKey;
        return request;
    }

    private LeaseStep Step(int maxPerInstance = 0, int maxPerUpstreamKey = 0, SessionRegistry? registry = null)
    {
        var options = new SessionControlOptions { MaxConcurrentSessionsPerInstance = maxPerInstance, HeartbeatInterval = TimeSpan.FromSeconds(15) };
        var instance = new ProxyInstance(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Instance:Id"] = "instance-a" }).Build());
        return new LeaseStep(
            registry ?? _registry,
            new SessionLeaseStore(_redis!.Connection!, Keys, new LiveCustomerIndex(_redis.Connection!, Keys), NullLogger<SessionLeaseStore>.Instance),
            new UpstreamKeyLeaseStore(_redis.Connection!, Keys),
            new SessionPolicyResolver(new TestOptionsMonitor<SessionControlOptions>(options)),
            new ProxyReadiness(_storage, _lifetime),
            instance,
            Options.Create(new LimitsOptions { MaxSessionsPerUpstreamKey = maxPerUpstreamKey }),
            _time,
            NullLogger<LeaseStep>.Instance);
    }
}
