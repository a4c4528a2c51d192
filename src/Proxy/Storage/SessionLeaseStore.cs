using StackExchange.Redis;

namespace Proxy.Storage;

/// <summary>
/// Concurrency leases: each live session holds a lease (member of its customer's lease set, scored by its expiry)
/// that its instance renews. Admission counts the unexpired leases atomically, so the limit holds across instances,
/// and the sessions of a crashed instance stop counting once their leases expire.
/// </summary>
internal sealed class SessionLeaseStore
{
    // KEYS: leases. ARGV: session id, now ms, expiry ms, limit (0 = none). Expired leases do not count but stay:
    // they are how the reaper finds the sessions of a dead instance.
    // Returns {1, count} when admitted, {0, count} when the limit is reached.
    private const string AcquireScript = """
        local count = redis.call('ZCOUNT', KEYS[1], '(' .. ARGV[2], '+inf')
        local limit = tonumber(ARGV[4])
        if limit > 0 and count >= limit and not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
          return {0, count}
        end
        redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
        return {1, redis.call('ZCOUNT', KEYS[1], '(' .. ARGV[2], '+inf')}
        """;

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;

    public SessionLeaseStore(IConnectionMultiplexer redis, RedisKeys keys)
    {
        _redis = redis;
        _keys = keys;
    }

    private IDatabase Database => _redis.GetDatabase();

    /// <summary>Takes a lease unless the customer already holds <paramref name="limit"/> (0: no limit).</summary>
    public async Task<(bool Admitted, long Count)> TryAcquireAsync(string customerId, string sessionId, long nowMs, long expiresAtMs, int limit)
    {
        var result = (RedisResult[])(await Database.ScriptEvaluateAsync(
            AcquireScript,
            [_keys.Leases(customerId)],
            [sessionId, nowMs, expiresAtMs, limit]).ConfigureAwait(false))!;
        return ((int)result[0] == 1, (long)result[1]);
    }

    /// <summary>Pushes the expiry of live sessions' leases, and takes them for sessions admitted while Redis was
    /// down. Only sessions still running are renewed, so a released lease is not taken back.</summary>
    public Task RenewAsync(string customerId, IReadOnlyCollection<string> sessionIds, long expiresAtMs)
    {
        var entries = sessionIds.Select(id => new SortedSetEntry(id, expiresAtMs)).ToArray();
        return Database.SortedSetAddAsync(_keys.Leases(customerId), entries);
    }

    public Task ReleaseAsync(string customerId, string sessionId) =>
        Database.SortedSetRemoveAsync(_keys.Leases(customerId), sessionId);

    /// <summary>Leases that expired before <paramref name="nowMs"/>: sessions whose instance stopped renewing them.</summary>
    public async Task<IReadOnlyList<string>> ExpiredAsync(string customerId, long nowMs)
    {
        var ids = await Database.SortedSetRangeByScoreAsync(_keys.Leases(customerId), double.NegativeInfinity, nowMs, Exclude.Stop).ConfigureAwait(false);
        return [.. ids.Select(id => (string)id!)];
    }

    /// <summary>Unexpired leases of one customer: session id → expiry.</summary>
    public async Task<IReadOnlyList<(string SessionId, long ExpiresAtMs)>> LiveAsync(string customerId, long nowMs)
    {
        var entries = await Database.SortedSetRangeByScoreWithScoresAsync(_keys.Leases(customerId), nowMs, double.PositiveInfinity).ConfigureAwait(false);
        return [.. entries.Select(e => ((string)e.Element!, (long)e.Score))];
    }
}
