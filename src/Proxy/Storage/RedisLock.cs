using StackExchange.Redis;

namespace Proxy.Storage;

/// <summary>
/// A lock in Redis held by one instance at a time, with an expiry so a dead holder hands it on. The holder extends it
/// on every pass; a pass that outlives the expiry lets a second instance start one too, which the jobs using it
/// tolerate (each step is idempotent).
/// </summary>
internal static class RedisLock
{
    // KEYS: lock. ARGV: instance id, ttl ms. Takes the lock if free, extends it if ours; 1 when we hold it.
    private const string Script = """
        local holder = redis.call('GET', KEYS[1])
        if not holder then
          redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
          return 1
        elseif holder == ARGV[1] then
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
          return 1
        end
        return 0
        """;

    // KEYS: lock. ARGV: instance id. Deletes the lock only if ours; 1 when it was.
    private const string ReleaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          return redis.call('DEL', KEYS[1])
        end
        return 0
        """;

    /// <summary>Takes or extends the lock; returns whether this instance holds it now.</summary>
    public static async Task<bool> TryHoldAsync(IDatabaseAsync db, RedisKey key, string owner, TimeSpan ttl) =>
        (int)await db.ScriptEvaluateAsync(Script, [key], [owner, (long)ttl.TotalMilliseconds]).ConfigureAwait(false) == 1;

    /// <summary>Gives the lock up if this instance holds it, so another takes it at once instead of after its expiry.</summary>
    public static async Task<bool> ReleaseAsync(IDatabaseAsync db, RedisKey key, string owner) =>
        (int)await db.ScriptEvaluateAsync(ReleaseScript, [key], [owner]).ConfigureAwait(false) == 1;
}
