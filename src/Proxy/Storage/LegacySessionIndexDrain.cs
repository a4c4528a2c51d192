using StackExchange.Redis;

namespace Proxy.Storage;

/// <summary>
/// Empties the former single session index hash (<see cref="RedisKeys.LegacySessionIndex"/>) a bounded batch at a
/// time: an entry whose record is gone is dropped, one whose record is still there moves to its day hash (which then
/// expires with the retention). Lookups read both until then, so no retained record stops being found by id. An id
/// that is not a UUIDv7 has no day and stays where it is.
/// </summary>
internal sealed class LegacySessionIndexDrain
{
    internal const int BatchSize = 500;

    // One pass moves at most this many entries; a large old index drains over several passes.
    internal const int MaxEntriesPerPass = 10_000;

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;
    private readonly SessionIndexStore _index;

    public LegacySessionIndexDrain(IConnectionMultiplexer redis, RedisKeys keys, SessionIndexStore index)
    {
        _redis = redis;
        _keys = keys;
        _index = index;
    }

    /// <summary>One bounded pass; returns (moved, dropped).</summary>
    public async Task<(long Moved, long Dropped)> DrainAsync(CancellationToken cancellationToken)
    {
        var db = _redis.GetDatabase();
        if (!await db.KeyExistsAsync(_keys.LegacySessionIndex).ConfigureAwait(false))
        {
            return (0, 0);
        }

        long moved = 0, dropped = 0, seen = 0;
        var batch = new List<HashEntry>(BatchSize);

        // Deleting while scanning is safe: HSCAN returns every entry present for the whole scan at least once.
        await foreach (var entry in db.HashScanAsync(_keys.LegacySessionIndex, pageSize: BatchSize).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            batch.Add(entry);
            if (batch.Count == BatchSize)
            {
                (moved, dropped) = Add((moved, dropped), await DrainBatchAsync(db, batch).ConfigureAwait(false));
                batch.Clear();
            }

            if (++seen >= MaxEntriesPerPass)
            {
                break;
            }
        }

        if (batch.Count > 0)
        {
            (moved, dropped) = Add((moved, dropped), await DrainBatchAsync(db, batch).ConfigureAwait(false));
        }

        return (moved, dropped);
    }

    private async Task<(long Moved, long Dropped)> DrainBatchAsync(IDatabase db, List<HashEntry> batch)
    {
        var exists = new Task<bool>[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            exists[i] = db.KeyExistsAsync(_keys.Session(batch[i].Value!, batch[i].Name!));
        }

        var writes = new List<Task>();
        var done = new List<RedisValue>();
        long moved = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            var sessionId = (string)batch[i].Name!;
            if (!await exists[i].ConfigureAwait(false))
            {
                done.Add(batch[i].Name);
            }
            else if (SessionIdTime.Day(sessionId) is not null)
            {
                writes.Add(_index.WriteAsync(db, sessionId, batch[i].Value!));
                done.Add(batch[i].Name);
                moved++;
            }
        }

        // Moved entries leave the old hash only once their day hash has them.
        await Task.WhenAll(writes).ConfigureAwait(false);
        if (done.Count > 0)
        {
            await db.HashDeleteAsync(_keys.LegacySessionIndex, [.. done]).ConfigureAwait(false);
        }

        return (moved, done.Count - moved);
    }

    private static (long, long) Add((long Moved, long Dropped) a, (long Moved, long Dropped) b) => (a.Moved + b.Moved, a.Dropped + b.Dropped);
}
