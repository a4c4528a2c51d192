using StackExchange.Redis;

namespace Proxy.Storage;

/// <summary>
/// Concurrency leases: each live session holds a lease (member of its customer's lease set, scored by its expiry)
/// that its instance renews. Admission counts the unexpired leases atomically, so the limit holds across instances,
/// and the sessions of a crashed instance stop counting once their leases expire. Every expiry is computed and
/// compared on Redis's clock (<c>TIME</c>), never an instance's: an instance whose wall clock is off would otherwise
/// write leases the others see as long expired (its live sessions reaped as orphans, left out of the limit) or as
/// live far too long.
/// </summary>
internal sealed class SessionLeaseStore
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

    public SessionLeaseStore(IConnectionMultiplexer redis, RedisKeys keys)
    {
        _redis = redis;
        _keys = keys;
    }

    private IDatabase Database => _redis.GetDatabase();

    /// <summary>Takes a lease of <paramref name="ttl"/> unless the customer already holds <paramref name="limit"/>
    /// (0: no limit). Throws <see cref="StorageUnavailableException"/> when Redis could not be asked (or answered
    /// with an error): admission then decides without it.</summary>
    public async Task<(bool Admitted, long Count)> TryAcquireAsync(string customerId, string sessionId, TimeSpan ttl, int limit)
    {
        RedisResult[] result;
        try
        {
            result = (RedisResult[])(await Database.ScriptEvaluateAsync(
                AcquireScript,
                [_keys.Leases(customerId)],
                [sessionId, (long)ttl.TotalMilliseconds, limit]).ConfigureAwait(false))!;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new StorageUnavailableException("The session lease could not be taken: Redis did not answer.", ex);
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

        return (long)await Database.ScriptEvaluateAsync(RenewScript, keys, args).ConfigureAwait(false);
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
}
