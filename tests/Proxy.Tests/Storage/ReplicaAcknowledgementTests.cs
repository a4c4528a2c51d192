using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Proxy.Storage;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Proxy.Tests.Storage;

/// <summary>WAIT for a replica after a final record, against a real redis-server and a real Redis Cluster.</summary>
public sealed class ReplicaAcknowledgementTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(40);

    private readonly FakeTimeProvider _time = new();
    private readonly ITestOutputHelper _output;

    public ReplicaAcknowledgementTests(ITestOutputHelper output) => _output = output;

    [Theory]
    [InlineData(100)]
    [InlineData(0)]
    public async Task A_redis_without_replicas_confirms_at_once_and_is_sent_no_wait(int timeoutMs)
    {
        await using var redis = await RedisServer.StartAsync();
        var acknowledgement = Create(redis.Connection!, TimeSpan.FromMilliseconds(timeoutMs));
        await redis.Database.StringSetAsync("record", "closed", TimeSpan.FromHours(1));

        Assert.True(await acknowledgement.ConfirmAsync("record"));
        Assert.True(await acknowledgement.ConfirmAsync("record"));

        var stats = (string)(await redis.Database.ScriptEvaluateAsync("return redis.call('INFO', 'commandstats')"))!;
        Assert.DoesNotContain("cmdstat_wait:", stats, StringComparison.Ordinal);

        // Finding the record's master costs no round trip (it used to send an EXISTS, replica or not).
        Assert.DoesNotContain("cmdstat_exists:", stats, StringComparison.Ordinal);
    }

    [Fact]
    public async Task On_a_cluster_a_live_replica_confirms_a_stalled_one_does_not_and_a_promoted_master_needs_none()
    {
        await using var cluster = await RedisCluster.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(cluster.Configuration);
        var acknowledgement = Create(connection, TimeSpan.FromMilliseconds(100));
        RedisKey key = "dgp:{replica-ack}:session:1";
        var db = connection.GetDatabase();
        await db.StringSetAsync(key, "closed", TimeSpan.FromHours(1));
        var expiresAt = (long)await db.ExecuteAsync("PEXPIRETIME", key);

        // A replica just synced may take a moment to send its first acknowledgement.
        await PollAsync(async () =>
        {
            _time.Advance(ReplicaAcknowledgement.LaggingBackoff);
            return await acknowledgement.ConfirmAsync(key);
        });
        Assert.Equal(expiresAt, (long)await db.ExecuteAsync("PEXPIRETIME", key));
        await MeasureAsync(db, acknowledgement, key);
        await FinalsEndingTogetherShareWaitsAsync(cluster, db, acknowledgement, key);

        var frozen = await cluster.FreezeReplicaOfAsync(key);
        var thawed = false;
        try
        {
            await db.StringSetAsync(key, "closed again", TimeSpan.FromHours(1));
            Assert.False(await acknowledgement.ConfirmAsync(key));

            // The master still counts its stalled replica after the slot map is read again.
            _time.Advance(ReplicaAcknowledgement.ReplicaCountTtl + ReplicaAcknowledgement.LaggingBackoff);
            Assert.False(await acknowledgement.ConfirmAsync(key));

            await cluster.KillMasterOwningAsync(key, async () =>
            {
                await cluster.ThawAsync(frozen);
                thawed = true;
            });
        }
        finally
        {
            if (!thawed)
            {
                await cluster.ThawAsync(frozen);
            }
        }

        // The promoted replica has no replica of its own (its old master is dead): nothing to wait for.
        await PollAsync(async () =>
        {
            _time.Advance(ReplicaAcknowledgement.ReplicaCountTtl);
            try
            {
                await db.StringSetAsync(key, "closed on the promoted replica", TimeSpan.FromHours(1));
                return await acknowledgement.ConfirmAsync(key);
            }
            catch (Exception ex) when (ex is RedisException or StorageUnavailableException)
            {
                // The client has not read the new slot map yet.
                return false;
            }
        });
    }

    /// <summary>What the acknowledgement costs a final record on loopback: a record-sized write alone, then the same
    /// write followed by the confirmation, alternated; printed for the README (no timing is asserted).</summary>
    private async Task MeasureAsync(IDatabase db, ReplicaAcknowledgement acknowledgement, RedisKey key)
    {
        const int Rounds = 300;
        const string Write = "redis.call('HSET', KEYS[1], 'status', 'closed', 'duration_ms', ARGV[1]) redis.call('PEXPIRE', KEYS[1], 3600000) return 1";
        var alone = new List<double>(Rounds);
        var confirmed = new List<double>(Rounds);
        RedisKey record = key.Append(":measured");
        var missed = 0;
        for (var i = 0; i < Rounds; i++)
        {
            var start = System.Diagnostics.Stopwatch.GetTimestamp();
            await db.ScriptEvaluateAsync(Write, [record], [i]);
            alone.Add(System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds);

            start = System.Diagnostics.Stopwatch.GetTimestamp();
            await db.ScriptEvaluateAsync(Write, [record], [i]);
            if (!await acknowledgement.ConfirmAsync(record))
            {
                // A busy machine held the replica past the timeout: the record would be spooled. Counted, not failed.
                missed++;
                _time.Advance(ReplicaAcknowledgement.LaggingBackoff);
            }

            confirmed.Add(System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        _output.WriteLine($"write alone: median {Percentile(alone, 0.5):F3} ms, p99 {Percentile(alone, 0.99):F3} ms");
        _output.WriteLine($"write + WAIT: median {Percentile(confirmed, 0.5):F3} ms, p99 {Percentile(confirmed, 0.99):F3} ms");
        _output.WriteLine($"not confirmed within the timeout: {missed} of {Rounds}");
        _output.WriteLine($"extra per final record: median {Percentile(confirmed, 0.5) - Percentile(alone, 0.5):F3} ms, p99 {Percentile(confirmed, 0.99) - Percentile(alone, 0.99):F3} ms");
    }

    /// <summary>50 finals on one master confirmed at once: each is confirmed, by fewer WAITs than finals (a WAIT
    /// covers every write sent before it on the connection, so those that end together share one).</summary>
    private async Task FinalsEndingTogetherShareWaitsAsync(RedisCluster cluster, IDatabase db, ReplicaAcknowledgement acknowledgement, RedisKey key)
    {
        const int Finals = 50;
        var master = cluster.Connection.GetServer(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, await cluster.MasterPortOfAsync(key)));
        var keys = Enumerable.Range(0, Finals).Select(i => key.Append(":together:" + i.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();
        await Task.WhenAll(keys.Select(k => db.StringSetAsync(k, "closed", TimeSpan.FromHours(1))));
        await master.ExecuteAsync("CONFIG", "RESETSTAT");

        // A busy machine may hold the replica past the timeout once: the batch is tried again, as a replay would.
        var confirmed = new bool[Finals];
        for (var attempt = 0; attempt < 5 && confirmed.Any(c => !c); attempt++)
        {
            _time.Advance(ReplicaAcknowledgement.LaggingBackoff);
            var answers = await Task.WhenAll(keys.Select(k => acknowledgement.ConfirmAsync(k)));
            for (var i = 0; i < Finals; i++)
            {
                confirmed[i] |= answers[i];
            }
        }

        Assert.All(confirmed, Assert.True);
        var stats = (string)(await master.ExecuteAsync("INFO", "commandstats"))!;
        var waits = long.Parse(System.Text.RegularExpressions.Regex.Match(stats, @"cmdstat_wait:calls=(\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        _output.WriteLine($"{Finals} finals confirmed together: {waits} WAIT(s) on their master");
        Assert.InRange(waits, 1, Finals - 1);
    }

    private static double Percentile(List<double> values, double quantile)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(quantile * sorted.Count) - 1)];
    }

    private static async Task PollAsync(Func<Task<bool>> done)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (!await done())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not reached within {Bound}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public void A_master_counts_the_replicas_the_cluster_lists_for_it_failed_or_not_and_a_promoted_one_none()
    {
        const string master = """
            aaa 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460
            bbb 127.0.0.1:7001@17001 slave,fail aaa 0 0 1 disconnected
            ccc 127.0.0.1:7002@17002 master - 0 0 2 connected 5461-10922
            ddd 127.0.0.1:7003@17003 slave ccc 0 0 2 connected
            """;
        const string promoted = """
            aaa 127.0.0.1:7000@17000 master,fail - 0 0 1 disconnected
            bbb 127.0.0.1:7001@17001 myself,master - 0 0 3 connected 0-5460
            ddd 127.0.0.1:7003@17003 slave ccc 0 0 2 connected
            """;

        Assert.Equal(1, ReplicaAcknowledgement.ReplicasInClusterNodes(master));
        Assert.Equal(0, ReplicaAcknowledgement.ReplicasInClusterNodes(promoted));
    }

    [Fact]
    public void A_resp3_verbatim_answer_with_the_master_listed_first_still_counts_its_replica()
    {
        // As a RESP3 client hands it over: the verbatim format glued onto the first line, here the master's own.
        const string verbatim = """
            txt:aaa 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460
            ccc 127.0.0.1:7002@17002 master - 0 0 2 connected 5461-10922
            bbb 127.0.0.1:7001@17001 slave aaa 0 0 1 connected
            """;

        Assert.Equal(1, ReplicaAcknowledgement.ReplicasInClusterNodes(verbatim));
    }

    private ReplicaAcknowledgement Create(IConnectionMultiplexer connection, TimeSpan timeout) =>
        new(connection, Options.Create(new StorageOptions { ReplicaAckTimeout = timeout }), _time, NullLogger<ReplicaAcknowledgement>.Instance);
}
