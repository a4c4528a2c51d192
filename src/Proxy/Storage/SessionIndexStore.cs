using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Proxy.Storage;

/// <summary>
/// session_id → customer_id, so a record can be found by its id alone (the admin API's GET by id). One hash per UTC
/// day of the id's UUIDv7 timestamp, each expiring as a whole: Redis 7.0 has no per-field expiry, and a single hash
/// (the former layout, still read as <see cref="RedisKeys.LegacySessionIndex"/>) grew forever. Measured with
/// <c>MEMORY USAGE</c> on 5,000 entries: 107 B per session in a day hash, the same as in the single hash, against
/// 191 B for a string key per session with its own TTL.
/// </summary>
internal sealed class SessionIndexStore
{
    /// <summary>How much longer than a record a day hash lives: its entries must outlast every record they point to.</summary>
    public static readonly TimeSpan ExpiryMargin = TimeSpan.FromDays(1);

    // KEYS: day hash. ARGV: session id, customer id, ttl ms. Every write pushes the whole day's expiry out to at
    // least ttl from now (Redis' clock, like the record's own PEXPIRE), so it outlives the record written with it:
    // a session finalized (or replayed from a spool) days after it opened keeps its day reachable.
    private const string WriteScript = """
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
        return 1
        """;

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;
    private readonly IOptions<StorageOptions> _options;

    public SessionIndexStore(IConnectionMultiplexer redis, RedisKeys keys, IOptions<StorageOptions> options)
    {
        _redis = redis;
        _keys = keys;
        _options = options;
    }

    /// <summary>How long a day hash lives after its latest write.</summary>
    public TimeSpan DayTtl => _options.Value.RecordRetention + ExpiryMargin;

    public Task WriteAsync(string sessionId, string customerId) => WriteAsync(_redis.GetDatabase(), sessionId, customerId);

    public Task WriteAsync(IDatabaseAsync db, string sessionId, string customerId)
    {
        // An id that is not a UUIDv7 (the proxy makes none) has no day: the single hash keeps it findable.
        return SessionIdTime.Day(sessionId) is { } day
            ? db.ScriptEvaluateAsync(WriteScript, [_keys.SessionIndex(day)], [sessionId, customerId, (long)DayTtl.TotalMilliseconds])
            : db.HashSetAsync(_keys.LegacySessionIndex, sessionId, customerId);
    }

    /// <summary>The customer of a session, from its day hash or, for records written before the day hashes, the
    /// single hash (both asked in one round trip); <c>null</c> when neither knows it.</summary>
    public async Task<string?> FindCustomerAsync(string sessionId)
    {
        var db = _redis.GetDatabase();
        var byDay = SessionIdTime.Day(sessionId) is { } day ? db.HashGetAsync(_keys.SessionIndex(day), sessionId) : null;
        var legacy = db.HashGetAsync(_keys.LegacySessionIndex, sessionId);
        var found = byDay is null ? RedisValue.Null : await byDay.ConfigureAwait(false);
        var old = await legacy.ConfigureAwait(false);
        found = found.IsNullOrEmpty ? old : found;
        return found.IsNullOrEmpty ? null : (string?)found;
    }
}
