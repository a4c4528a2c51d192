using Microsoft.Extensions.Options;
using Proxy.Metering;
using Proxy.Storage;
using Proxy.Tests.TestSupport;

namespace Proxy.Tests.Storage;

/// <summary>Heartbeats kept beside the spool during an outage reach Redis once the spool is replayed, also from a
/// process that died.</summary>
public sealed class SpooledHeartbeatsTests : IClassFixture<SessionRecordStoreTests.Redis>, IDisposable
{
    private readonly SessionRecordStoreTests.Redis _redis;
    private readonly RedisKeys _keys = new($"t{Guid.NewGuid():N}:");
    private readonly string _directory = Directory.CreateTempSubdirectory("spooled-beats-").FullName;

    public SpooledHeartbeatsTests(SessionRecordStoreTests.Redis redis)
    {
        _redis = redis;
    }

    [Fact]
    public async Task Beats_of_a_dead_process_survive_its_successors_own_beats_and_reach_the_open_records()
    {
        var options = Options.Create(new StorageOptions());
        var store = new SessionRecordStore(_redis.Server.Connection!, _keys, new SessionIndexStore(_redis.Server.Connection!, _keys, options), TestRecordsStream.Appender(_redis.Server.Connection!, _keys), options);
        await store.WriteOpenAsync(Open("acme", "s-1"));
        await store.WriteOpenAsync(Open("globex", "s-2"));

        using (var dead = new SpooledHeartbeats(_directory, SpoolFileSystem.Instance))
        {
            await dead.SaveAsync(new Dictionary<string, List<SessionHeartbeat>> { ["acme"] = [Beat("s-1", 5_000, "request-1")] });
        }

        // The successor, Redis still down, writes its own beats: the dead process's stay in the file.
        using var successor = new SpooledHeartbeats(_directory, SpoolFileSystem.Instance);
        Assert.True(successor.HasPending);
        await successor.SaveAsync(new Dictionary<string, List<SessionHeartbeat>> { ["globex"] = [Beat("s-2", 6_000, "request-2")] });
        await successor.SaveAsync(new Dictionary<string, List<SessionHeartbeat>> { ["globex"] = [Beat("s-2", 7_000, "request-2")] });

        await successor.ApplyAsync(store);

        var first = (await store.GetManyAsync("acme", ["s-1"]))[0];
        Assert.Equal(5_000, first.LastSeenMs);
        Assert.Equal("request-1", first.DeepgramRequestId);
        var second = (await store.GetManyAsync("globex", ["s-2"]))[0];
        Assert.Equal(7_000, second.LastSeenMs);
        Assert.False(successor.HasPending);
        Assert.Empty(Directory.GetFiles(_directory));
    }

    [Fact]
    public async Task An_instance_without_live_sessions_writes_no_file()
    {
        using var beats = new SpooledHeartbeats(_directory, SpoolFileSystem.Instance);
        await beats.SaveAsync(new Dictionary<string, List<SessionHeartbeat>>());
        await beats.SaveAsync(new Dictionary<string, List<SessionHeartbeat>> { ["acme"] = [] });

        Assert.False(beats.HasPending);
        Assert.Empty(Directory.GetFiles(_directory));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static SessionHeartbeat Beat(string sessionId, long lastSeenMs, string requestId) =>
        new(sessionId, lastSeenMs, lastSeenMs, 3, 2, 300, 200, requestId);

    private static SessionRecord Open(string customerId, string sessionId) =>
        TestSessionRecords.Minimal(sessionId, customerId, clientOpenedAtMs: 1_000) with { UpstreamOpenedAtMs = 1_010 };
}
