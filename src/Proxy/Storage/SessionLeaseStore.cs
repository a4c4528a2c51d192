using StackExchange.Redis;

namespace Proxy.Storage;

/// <summary>
/// Concurrency leases: each live session holds a lease (member of its customer's lease set, scored by its expiry)
/// that its instance renews. Admission counts the unexpired leases atomically, so the limit holds across instances,
/// and the sessions of a crashed instance stop counting once their leases expire. Every expiry is computed and
/// compared on Redis's clock (<c>TIME</c>), never an instance's: an instance whose wall clock is off would otherwise
/// write leases the others see as long expired (its live sessions reaped as orphans, left out of the limit) or as
/// live far too long. Every lease taken or renewed also lists its customer in the <see cref="LiveCustomerIndex"/>
/// (written first, in the same round trip), which the live-session list over all customers reads.
/// </summary>
internal sealed partial class SessionLeaseStore
{
    // KEYS: leases. ARGV: session id, ttl ms, limit (0 = none). Expired leases do not count but stay: they are how
    // the reaper finds the sessions of a dead instance.
    // Returns {1, count} when admitted, {0, count} when the limit is reached.
    private const string AcquireScript = RedisScriptClock.NowMs + """
        local count = redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')
        local limit = tonumber(ARGV[3])
        if limit > 0 and count >= limit and not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
          return {0, count}
        end
        redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
        return {1, redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')}
        """;

    // KEYS: leases, then the session hash of each session. ARGV: ttl ms, then the session ids (same order).
    // A lease still held is pushed out (ZADD XX). A missing one is taken only while the session's record is not
    // closed: the session was admitted while Redis was down (no lease yet), or Redis lost it. A record already
    // closed means the session was finalized, which released its lease: a renewal that raced with it must not bring
    // the lease back. Returns how many leases are held after the call.
    private const string RenewScript = RedisScriptClock.NowMs + """
        local expires = now + tonumber(ARGV[1])
        local held = 0
        for i = 2, #KEYS do
          local id = ARGV[i]
          if redis.call('ZSCORE', KEYS[1], id) then
            redis.call('ZADD', KEYS[1], 'XX', expires, id)
            held = held + 1
          elseif redis.call('HGET', KEYS[i], 'status') ~= 'closed' then
            redis.call('ZADD', KEYS[1], expires, id)
            held = held + 1
          end
        end
        return held
        """;

    // KEYS: leases. ARGV: 1 for the expired leases (id only), 0 for the live ones (id, expiry).
    private const string RangeScript = RedisScriptClock.NowMs + """
        if ARGV[1] == '1' then
          return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. now)
        end
        return redis.call('ZRANGEBYSCORE', KEYS[1], now, '+inf', 'WITHSCORES')
        """;

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;
    private readonly LiveCustomerIndex _index;
    private readonly ILogger<SessionLeaseStore> _logger;

    public SessionLeaseStore(IConnectionMultiplexer redis, RedisKeys keys, LiveCustomerIndex index, ILogger<SessionLeaseStore> logger)
    {
        _redis = redis;
        _keys = keys;
        _index = index;
        _logger = logger;
    }

    private IDatabase Database => _redis.GetDatabase();

    /// <summary>Takes a lease of <paramref name="ttl"/> unless the customer already holds <paramref name="limit"/>
    /// (0: no limit). Throws <see cref="StorageUnavailableException"/> when Redis could not be asked (or answered
    /// with an error): admission then decides without it.</summary>
    public async Task<(bool Admitted, long Count)> TryAcquireAsync(string customerId, string sessionId, TimeSpan ttl, int limit)
    {
        var db = Database;
        var listed = _index.MarkAsync(db, customerId, ttl);
        RedisResult[] result;
        try
        {
            result = (RedisResult[])(await db.ScriptEvaluateAsync(
                AcquireScript,
                [_keys.Leases(customerId)],
                [sessionId, (long)ttl.TotalMilliseconds, limit]).ConfigureAwait(false))!;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Observed, so an index write that failed with it does not come back as an unobserved task exception.
            _ = listed.ContinueWith(static t => t.Exception, TaskScheduler.Default);
            throw new StorageUnavailableException("The session lease could not be taken: Redis did not answer.", ex);
        }

        // The lease decided admission; an index entry that did not make it is written again by the next heartbeat.
        try
        {
            await listed.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            IndexNotWritten(_logger, customerId, ex.Message);
        }

        return ((int)result[0] == 1, (long)result[1]);
    }

    /// <summary>Pushes the expiry of live sessions' leases to <paramref name="ttl"/> from now, and takes them for
    /// sessions admitted while Redis was down. A lease released by the session's finalization is never taken back.
    /// Returns how many of the sessions hold a lease afterwards.</summary>
    public async Task<long> RenewAsync(string customerId, IReadOnlyCollection<string> sessionIds, TimeSpan ttl)
    {
        if (sessionIds.Count == 0)
        {
            return 0;
        }

        var keys = new RedisKey[sessionIds.Count + 1];
        var args = new RedisValue[sessionIds.Count + 1];
        keys[0] = _keys.Leases(customerId);
        args[0] = (long)ttl.TotalMilliseconds;
        var i = 1;
        foreach (var id in sessionIds)
        {
            keys[i] = _keys.Session(customerId, id);
            args[i] = id;
            i++;
        }

        // The index entry first, in the same round trip (see LiveCustomerIndex). Either failing fails the beat, which
        // the heartbeat logs; the other is done all the same, and the next beat writes both again.
        var db = Database;
        var listed = _index.MarkAsync(db, customerId, ttl);
        var held = db.ScriptEvaluateAsync(RenewScript, keys, args);
        await Task.WhenAll(listed, held).ConfigureAwait(false);
        return (long)await held.ConfigureAwait(false);
    }

    public Task ReleaseAsync(string customerId, string sessionId) =>
        Database.SortedSetRemoveAsync(_keys.Leases(customerId), sessionId);

    /// <summary>Leases that have expired by Redis's clock: sessions whose instance stopped renewing them.</summary>
    public async Task<IReadOnlyList<string>> ExpiredAsync(string customerId)
    {
        var ids = (RedisValue[])(await Database.ScriptEvaluateAsync(RangeScript, [_keys.Leases(customerId)], [1]).ConfigureAwait(false))!;
        return [.. ids.Select(id => (string)id!)];
    }

    /// <summary>Unexpired leases of one customer by Redis's clock: session id → expiry (Unix ms, Redis's clock).</summary>
    public async Task<IReadOnlyList<(string SessionId, long ExpiresAtMs)>> LiveAsync(string customerId)
    {
        var flat = (RedisValue[])(await Database.ScriptEvaluateAsync(RangeScript, [_keys.Leases(customerId)], [0]).ConfigureAwait(false))!;
        var live = new List<(string, long)>(flat.Length / 2);
        for (var i = 0; i + 1 < flat.Length; i += 2)
        {
            live.Add(((string)flat[i]!, (long)flat[i + 1]));
        }

        return live;
    }

    [LoggerMessage(EventId = 4120, Level = LogLevel.Warning, Message = "Customer {CustomerId} took a session lease but could not be listed among the live customers (the next heartbeat lists it): {Reason}")]
    private static partial void IndexNotWritten(ILogger logger, string customerId, string reason);
}
