using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Proxy.Storage;
using StackExchange.Redis;

namespace Proxy.Tests.Storage;

/// <summary>The records stream on a real Redis Cluster: an entry its master answered but no replica confirmed leaves
/// the session owed, and the reaper's next pass appends it again only if a failover lost it: no entry lost, none
/// doubled by a slow replica.</summary>
public sealed class RecordsStreamAppenderTests
{
    [Fact]
    public async Task An_entry_no_replica_confirmed_leaves_the_session_owed_and_a_confirmed_one_takes_it_off()
    {
        await using var cluster = await RedisCluster.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(cluster.Configuration);
        var time = new FakeTimeProvider();
        var keys = new RedisKeys($"t{Guid.NewGuid():N}:");
        var appender = new RecordsStreamAppender(keys, new ReplicaAcknowledgement(
            connection, Options.Create(new StorageOptions { ReplicaAckTimeout = TimeSpan.FromMilliseconds(100) }), time, NullLogger<ReplicaAcknowledgement>.Instance));
        var db = connection.GetDatabase();
        const string Customer = "acme";
        const string Session = "s-1";
        await db.HashSetAsync(keys.Session(Customer, Session), [new("status", "closed"), new("record_version", 1)]);
        await db.SortedSetAddAsync(keys.UnstreamedRecords(Customer), Session, 1);
        NameValueEntry[] entry = [new("session_id", Session), new("record_version", 1)];

        // A replica just synced may take a moment to send its first acknowledgement.
        var deadline = DateTime.UtcNow.AddSeconds(40);
        while (!await appender.AppendAsync(db, Customer, Session, entry, 1))
        {
            Assert.True(DateTime.UtcNow < deadline, "no replica of the stream's master confirmed an entry within 40 s");
            time.Advance(ReplicaAcknowledgement.LaggingBackoff);
            await db.SortedSetAddAsync(keys.UnstreamedRecords(Customer), Session, 1);
            await Task.Delay(100);
        }

        Assert.Null(await db.SortedSetScoreAsync(keys.UnstreamedRecords(Customer), Session));

        // The stream's master keeps answering, its replica does not: the entry is there, the session still owed.
        await db.SortedSetAddAsync(keys.UnstreamedRecords(Customer), Session, 2);
        var entries = await db.StreamLengthAsync(keys.Records);
        var frozen = await cluster.FreezeReplicaOfAsync(keys.Records);
        try
        {
            time.Advance(ReplicaAcknowledgement.LaggingBackoff);
            Assert.False(await appender.AppendAsync(db, Customer, Session, entry, 1));
            Assert.Equal(entries + 1, await db.StreamLengthAsync(keys.Records));
            Assert.Equal(2, await db.SortedSetScoreAsync(keys.UnstreamedRecords(Customer), Session));
        }
        finally
        {
            await cluster.ThawAsync(frozen);
        }

        // The reaper's next pass, the replica back: the entry still in the stream is confirmed, not appended again.
        var pending = await db.HashGetAsync(keys.Session(Customer, Session), RecordsStreamAppender.PendingEntryField);
        Assert.StartsWith("1 ", (string?)pending, StringComparison.Ordinal);
        deadline = DateTime.UtcNow.AddSeconds(40);
        while (!await appender.AppendAsync(db, Customer, Session, entry, 1, pending))
        {
            Assert.True(DateTime.UtcNow < deadline, "the thawed replica did not confirm within 40 s");
            time.Advance(ReplicaAcknowledgement.LaggingBackoff);
            await Task.Delay(100);
        }

        Assert.Equal(entries + 1, await db.StreamLengthAsync(keys.Records));
        Assert.Null(await db.SortedSetScoreAsync(keys.UnstreamedRecords(Customer), Session));
        Assert.False(await db.HashExistsAsync(keys.Session(Customer, Session), RecordsStreamAppender.PendingEntryField));

        // An entry a failover lost (gone from the stream) is appended again.
        await db.SortedSetAddAsync(keys.UnstreamedRecords(Customer), Session, 3);
        Assert.True(await appender.AppendAsync(db, Customer, Session, entry, 1, "1 1-1"));
        Assert.Equal(entries + 2, await db.StreamLengthAsync(keys.Records));
        Assert.Null(await db.SortedSetScoreAsync(keys.UnstreamedRecords(Customer), Session));
    }
}
