namespace Proxy.Storage;

/// <summary>
/// The Lua scripts that make a record's life atomic. All keys of a script share the customer's hash tag, so they run
/// on Redis Cluster too. The global <c>records</c> stream lives in another slot, so it is appended right after the
/// finalize script: the script reports whether the append is still owed (<c>streamed</c> not yet set), which makes a
/// retried or replayed finalize re-append instead of losing the entry (the stream is at-least-once by contract).
/// </summary>
internal static class SessionRecordScripts
{
    /// <summary>KEYS: session hash, customer sessions zset. ARGV: session id, score, then field/value pairs.
    /// Returns 1 when written, 0 when the record already existed (a replayed open is a no-op).</summary>
    public const string Open = """
        if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
        redis.call('HSET', KEYS[1], unpack(ARGV, 3))
        redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
        return 1
        """;

    /// <summary>KEYS: session hash, usage hash, customer sessions zset. ARGV: session id, score, duration_ms,
    /// billable_ms, then field/value pairs. Returns 1 when this call closed the record, 2 when it was closed before
    /// but its stream entry is not confirmed, 0 when there is nothing left to do.</summary>
    public const string Finalize = """
        if redis.call('HGET', KEYS[1], 'status') == 'closed' then
          if redis.call('HGET', KEYS[1], 'streamed') == '1' then return 0 end
          return 2
        end
        redis.call('HSET', KEYS[1], unpack(ARGV, 5))
        redis.call('HINCRBY', KEYS[2], 'sessions', 1)
        redis.call('HINCRBY', KEYS[2], 'duration_ms', ARGV[3])
        redis.call('HINCRBY', KEYS[2], 'billable_ms', ARGV[4])
        redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
        return 1
        """;
}
