using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Proxy.Sessions;
using Proxy.Storage;

namespace Proxy.Tests.Sessions;

/// <summary>The live side of the cap per Deepgram key against a real redis-server: renewals push held leases out
/// and take one for a session admitted while Redis was down (or whose lease Redis lost), but never bring back a lease
/// the session has given back; a lease nobody renews stops counting.</summary>
public sealed class UpstreamKeyLeasesTests : IAsyncLifetime
{
    private const string Fingerprint = "00112233445566778899aabbccddeeff";
    private static readonly RedisKeys Keys = new("dgp:");
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
    public async Task A_renewal_takes_a_lease_for_a_session_admitted_without_one_and_marks_it_held()
    {
        var session = Session("s-1", leaseHeld: false);
        await Leases().RenewAsync([session], TimeSpan.FromSeconds(30));

        Assert.True(session.UpstreamKeyLeaseHeld);
        Assert.NotNull(await _redis!.Database.SortedSetScoreAsync(Keys.UpstreamKeyLeases(Fingerprint), "s-1"));
    }

    [Fact]
    public async Task A_renewal_that_crosses_the_release_does_not_bring_the_lease_back()
    {
        var store = new UpstreamKeyLeaseStore(_redis!.Connection!, Keys);
        Assert.True((await store.TryAcquireAsync(Fingerprint, "s-1", TimeSpan.FromSeconds(30), 1)).Admitted);
        var session = Session("s-1", leaseHeld: true);

        await Leases().ReleaseAsync(session);
        await Leases().RenewAsync([session], TimeSpan.FromSeconds(30));

        Assert.Null(await _redis.Database.SortedSetScoreAsync(Keys.UpstreamKeyLeases(Fingerprint), "s-1"));
        Assert.True((await store.TryAcquireAsync(Fingerprint, "s-2", TimeSpan.FromSeconds(30), 1)).Admitted);
    }

    [Fact]
    public async Task A_lease_redis_lost_is_taken_again_at_the_next_renewal()
    {
        var store = new UpstreamKeyLeaseStore(_redis!.Connection!, Keys);
        Assert.True((await store.TryAcquireAsync(Fingerprint, "s-1", TimeSpan.FromSeconds(30), 1)).Admitted);
        var session = Session("s-1", leaseHeld: true);
        await _redis.Database.KeyDeleteAsync(Keys.UpstreamKeyLeases(Fingerprint));

        await Leases().RenewAsync([session], TimeSpan.FromSeconds(30));
        Assert.False(session.UpstreamKeyLeaseHeld);
        Assert.Null(await _redis.Database.SortedSetScoreAsync(Keys.UpstreamKeyLeases(Fingerprint), "s-1"));

        await Leases().RenewAsync([session], TimeSpan.FromSeconds(30));
        Assert.True(session.UpstreamKeyLeaseHeld);
        Assert.NotNull(await _redis.Database.SortedSetScoreAsync(Keys.UpstreamKeyLeases(Fingerprint), "s-1"));
    }

    [Fact]
    public async Task A_lease_nobody_renews_stops_counting_once_it_expires()
    {
        var store = new UpstreamKeyLeaseStore(_redis!.Connection!, Keys);
        Assert.True((await store.TryAcquireAsync(Fingerprint, "dead-instance", TimeSpan.FromMilliseconds(200), 1)).Admitted);
        Assert.False((await store.TryAcquireAsync(Fingerprint, "s-2", TimeSpan.FromSeconds(30), 1)).Admitted);

        // Redis's clock decides, so the wait is real; bounded.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        bool admitted;
        while (!(admitted = (await store.TryAcquireAsync(Fingerprint, "s-2", TimeSpan.FromSeconds(30), 1)).Admitted) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.True(admitted);
        Assert.Null(await _redis.Database.SortedSetScoreAsync(Keys.UpstreamKeyLeases(Fingerprint), "dead-instance"));
    }

    [Fact]
    public async Task A_session_on_an_uncapped_key_touches_nothing()
    {
        var session = new AgentSession(SessionFrames.Identity with { SessionId = "s-free" }, new FakeTimeProvider(SessionFrames.Start), 1024, new SessionPolicy());
        await Leases().RenewAsync([session], TimeSpan.FromSeconds(30));
        await Leases().ReleaseAsync(session);

        Assert.False(session.UpstreamKeyLeaseHeld);
        Assert.Empty(_redis!.Connection!.GetServers()[0].Keys(pattern: "*"));
    }

    private UpstreamKeyLeases Leases() => new(new UpstreamKeyLeaseStore(_redis!.Connection!, Keys), NullLogger<UpstreamKeyLeases>.Instance);

    private static AgentSession Session(string sessionId, bool leaseHeld) =>
        new(SessionFrames.Identity with { SessionId = sessionId, UpstreamKeyFingerprint = Fingerprint }, new FakeTimeProvider(SessionFrames.Start), 1024, new SessionPolicy())
        {
            UpstreamKeyLeaseHeld = leaseHeld,
        };
}
