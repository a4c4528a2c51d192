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

    /// <summary>KEYS: session hash, usage hash, customer sessions zset, customer leases. ARGV: session id, score,
    /// duration_ms, billable_ms, retention ms (the closed record's TTL), then field/value pairs. Returns 1 when this
    /// call closed the record, 2 when it was closed before but its stream entry is not confirmed, 0 when there is
    /// nothing left to do. The lease is released in every case: the session is over.</summary>
    public const string Finalize = """
        redis.call('ZREM', KEYS[4], ARGV[1])
        if redis.call('HGET', KEYS[1], 'status') == 'closed' then
          if redis.call('HGET', KEYS[1], 'streamed') == '1' then return 0 end
          return 2
        end
        redis.call('HSET', KEYS[1], unpack(ARGV, 6))
        redis.call('PEXPIRE', KEYS[1], ARGV[5])
        redis.call('HINCRBY', KEYS[2], 'sessions', 1)
        redis.call('HINCRBY', KEYS[2], 'duration_ms', ARGV[3])
        redis.call('HINCRBY', KEYS[2], 'billable_ms', ARGV[4])
        redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
        return 1
        """;

    /// <summary>KEYS: open session hashes of one customer. ARGV: 7 values per key – last_seen_ms, last_activity_ms,
    /// frames_in, frames_out, bytes_in, bytes_out, deepgram_request_id (empty while unknown). A record already
    /// closed is left as it is.</summary>
    public const string Heartbeat = """
        for i, key in ipairs(KEYS) do
          if redis.call('HGET', key, 'status') == 'open' then
            local a = (i - 1) * 7
            redis.call('HSET', key, 'last_seen_ms', ARGV[a + 1], 'last_activity_ms', ARGV[a + 2],
              'frames_in', ARGV[a + 3], 'frames_out', ARGV[a + 4], 'bytes_in', ARGV[a + 5], 'bytes_out', ARGV[a + 6])
            if ARGV[a + 7] ~= '' then redis.call('HSET', key, 'deepgram_request_id', ARGV[a + 7]) end
          end
        end
        return #KEYS
        """;
}
