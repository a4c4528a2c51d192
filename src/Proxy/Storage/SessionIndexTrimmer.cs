using StackExchange.Redis;

namespace Proxy.Storage;

/// <summary>
/// Trims each customer's <c>sessions</c> index (scored by open time) below the retention cutoff. An entry goes once
/// its record has expired; a closed record without a TTL (finalized before records expired) is deleted with it, so
/// old data ages out too. Open records and closed ones whose TTL still runs (a session that ended after it opened, a
/// late replay) keep their entry until a later pass finds them expired.
/// </summary>
internal sealed class SessionIndexTrimmer
{
    internal const int BatchSize = 500;

    // Bounds one customer's share of a pass (100,000 entries); the next pass goes on where this one stopped.
    private const int MaxBatchesPerCustomer = 200;

    // KEYS: sessions zset, then the record hash of each id. ARGV: the ids. Returns {entries removed, records deleted,
    // entries kept}.
    private const string Script = """
        local removed, deleted, kept = 0, 0, 0
        for i, id in ipairs(ARGV) do
          local key = KEYS[i + 1]
          local ttl = redis.call('PTTL', key)
          if ttl == -2 then
            redis.call('ZREM', KEYS[1], id)
            removed = removed + 1
          elseif ttl == -1 and redis.call('HGET', key, 'status') == 'closed' then
            redis.call('DEL', key)
            redis.call('ZREM', KEYS[1], id)
            removed = removed + 1
            deleted = deleted + 1
          else
            kept = kept + 1
          end
        end
        return {removed, deleted, kept}
        """;

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;

    public SessionIndexTrimmer(IConnectionMultiplexer redis, RedisKeys keys)
    {
        _redis = redis;
        _keys = keys;
    }

    /// <summary>Trims every customer's index below <paramref name="cutoffMs"/> (Unix ms of client open).</summary>
    public async Task<SessionIndexTrimResult> TrimAsync(long cutoffMs, CancellationToken cancellationToken)
    {
        var db = _redis.GetDatabase();
        var total = new SessionIndexTrimResult(0, 0, 0);
        foreach (var customer in await db.SetMembersAsync(_keys.Customers).ConfigureAwait(false))
        {
            cancellationToken.ThrowIfCancellationRequested();
            total += await TrimCustomerAsync(db, customer!, cutoffMs).ConfigureAwait(false);
        }

        return total;
    }

    private async Task<SessionIndexTrimResult> TrimCustomerAsync(IDatabase db, string customerId, long cutoffMs)
    {
        var index = _keys.CustomerSessions(customerId);
        var total = new SessionIndexTrimResult(0, 0, 0);
        var skip = 0L;
        for (var batch = 0; batch < MaxBatchesPerCustomer; batch++)
        {
            var ids = await db.SortedSetRangeByScoreAsync(index, double.NegativeInfinity, cutoffMs, Exclude.Stop, Order.Ascending, skip, BatchSize)
                .ConfigureAwait(false);
            if (ids.Length == 0)
            {
                break;
            }

            var keys = new RedisKey[ids.Length + 1];
            keys[0] = index;
            for (var i = 0; i < ids.Length; i++)
            {
                keys[i + 1] = _keys.Session(customerId, ids[i]!);
            }

            var result = (long[])(await db.ScriptEvaluateAsync(Script, keys, ids).ConfigureAwait(false))!;
            var step = new SessionIndexTrimResult(result[0], result[1], result[2]);
            total += step;

            // Kept entries stay in front of the range: step over them.
            skip += step.Kept;
            if (ids.Length < BatchSize)
            {
                break;
            }
        }

        return total;
    }
}

/// <summary>What a trim did: index entries removed, records deleted with them (those without a TTL), entries kept.</summary>
internal readonly record struct SessionIndexTrimResult(long Removed, long RecordsDeleted, long Kept)
{
    public static SessionIndexTrimResult operator +(SessionIndexTrimResult a, SessionIndexTrimResult b) =>
        new(a.Removed + b.Removed, a.RecordsDeleted + b.RecordsDeleted, a.Kept + b.Kept);
}
