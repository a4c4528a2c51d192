using StackExchange.Redis;

namespace Proxy.Storage;

/// <summary>
/// Concurrency leases per Deepgram key (<c>Limits:MaxSessionsPerUpstreamKey</c>), the customer leases' twin
/// (<see cref="SessionLeaseStore"/>): each live session on a capped key holds a lease in the key's set, scored by its
/// expiry on Redis's clock, renewed by its instance's heartbeat and released when the session ends. Admission counts
/// the unexpired ones atomically, so the cap holds across instances; a dead instance's leases stop counting once
/// they expire. Nothing else reads these sets (the reaper works from the customer leases), so an acquire also drops
/// the expired members.
/// </summary>
internal sealed class UpstreamKeyLeaseStore
{
    // KEYS: the key's leases. ARGV: session id, ttl ms, limit (0 = none).
    // Returns {1, count} when admitted, {0, count} when the cap is reached.
    private const string AcquireScript = RedisScriptClock.NowMs + """
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        local count = redis.call('ZCARD', KEYS[1])
        local limit = tonumber(ARGV[3])
        if limit > 0 and count >= limit and not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
          return {0, count}
        end
        redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
        redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
        return {1, redis.call('ZCARD', KEYS[1])}
        """;

    // KEYS: the key's leases. ARGV: ttl ms, then pairs (session id, 1 to take a missing lease / 0 to renew only).
    // A held lease is pushed out (ZADD XX), so a renewal that crosses the session's release never brings it back.
    // Only a session admitted without a lease (Redis was down) takes one here, beyond the cap: it is already live.
    // Returns the ids whose lease was not there to renew (released meanwhile, or lost by Redis).
    private const string RenewScript = RedisScriptClock.NowMs + """
        local expires = now + tonumber(ARGV[1])
        local missing = {}
        for i = 2, #ARGV, 2 do
          if ARGV[i + 1] == '1' then
            redis.call('ZADD', KEYS[1], expires, ARGV[i])
          elseif redis.call('ZADD', KEYS[1], 'XX', 'CH', expires, ARGV[i]) == 0 and not redis.call('ZSCORE', KEYS[1], ARGV[i]) then
            missing[#missing + 1] = ARGV[i]
          end
        end
        redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) * 2)
        return missing
        """;

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;

    public UpstreamKeyLeaseStore(IConnectionMultiplexer redis, RedisKeys keys)
    {
        _redis = redis;
        _keys = keys;
    }

    private IDatabase Database => _redis.GetDatabase();

    /// <summary>Takes a lease of <paramref name="ttl"/> on the key unless it already carries <paramref name="limit"/>
    /// sessions (0: no limit). Throws <see cref="StorageUnavailableException"/> when Redis could not be asked.</summary>
    public async Task<(bool Admitted, long Count)> TryAcquireAsync(string upstreamKeyFingerprint, string sessionId, TimeSpan ttl, int limit)
    {
        try
        {
            var result = (RedisResult[])(await Database.ScriptEvaluateAsync(
                AcquireScript,
                [_keys.UpstreamKeyLeases(upstreamKeyFingerprint)],
                [sessionId, (long)ttl.TotalMilliseconds, limit]).ConfigureAwait(false))!;
            return ((int)result[0] == 1, (long)result[1]);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new StorageUnavailableException("The Deepgram key's lease could not be taken: Redis did not answer.", ex);
        }
    }

    /// <summary>Pushes the key's held leases of <paramref name="sessions"/> to <paramref name="ttl"/> from now; a
    /// session marked <c>Take</c> (admitted while Redis was down) gets one if it has none. Returns the sessions not
    /// marked <c>Take</c> that had no lease to renew.</summary>
    public async Task<IReadOnlyList<string>> RenewAsync(string upstreamKeyFingerprint, IReadOnlyCollection<(string SessionId, bool Take)> sessions, TimeSpan ttl)
    {
        if (sessions.Count == 0)
        {
            return [];
        }

        var args = new RedisValue[(sessions.Count * 2) + 1];
        args[0] = (long)ttl.TotalMilliseconds;
        var i = 1;
        foreach (var (sessionId, take) in sessions)
        {
            args[i++] = sessionId;
            args[i++] = take ? 1 : 0;
        }

        var missing = (RedisValue[])(await Database.ScriptEvaluateAsync(RenewScript, [_keys.UpstreamKeyLeases(upstreamKeyFingerprint)], args).ConfigureAwait(false))!;
        return [.. missing.Select(id => (string)id!)];
    }

    /// <summary>Gives the session's lease back. Throws <see cref="StorageUnavailableException"/> when Redis could not
    /// be asked: the lease then expires on its own.</summary>
    public async Task ReleaseAsync(string upstreamKeyFingerprint, string sessionId)
    {
        try
        {
            await Database.SortedSetRemoveAsync(_keys.UpstreamKeyLeases(upstreamKeyFingerprint), sessionId).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new StorageUnavailableException("The Deepgram key's lease could not be given back: Redis did not answer.", ex);
        }
    }
}
