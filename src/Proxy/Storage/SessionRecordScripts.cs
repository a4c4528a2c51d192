namespace Proxy.Storage;

/// <summary>
/// The Lua scripts that make a record's life atomic. All keys of a script share the customer's hash tag, so they run
/// on Redis Cluster too. The global <c>records</c> stream lives in another slot, so it is appended right after the
/// finalize script; until that append is confirmed the session stays in the customer's <c>unstreamed</c> set, which
/// the reaper re-appends from after a grace period, whoever wrote the record and whatever happened to it since (the
/// stream is at-least-once by contract). Instants taken inside a script come from Redis <c>TIME</c>, the one clock
/// every instance shares.
/// </summary>
internal static class SessionRecordScripts
{
    /// <summary>KEYS: session hash, customer sessions zset, customer leases. ARGV: session id, score, lease ttl ms,
    /// then field/value pairs. Returns 1 when written, 0 when the record already existed (a replayed open is a
    /// no-op). A record written here holds a lease: one admitted while Redis was down had none, and without it a
    /// session whose instance died before Redis came back would stay open forever. A live owner renews it; a dead
    /// one's expires, and the reaper finalizes the record.</summary>
    public const string Open = """
        if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
        redis.call('HSET', KEYS[1], unpack(ARGV, 4))
        redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
        local t = redis.call('TIME')
        redis.call('ZADD', KEYS[3], 'NX', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[3]), ARGV[1])
        return 1
        """;

    /// <summary>
    /// KEYS: session hash, usage hash (day), customer sessions zset, customer leases, customer unstreamed zset, usage
    /// hash (month). ARGV: session id, score, estimated (1/0), retention ms (the closed record's TTL), currency ('' when unrated),
    /// usage increments (<see cref="UsageIncrements.ToScriptArgument"/>), the names of the indicators the record was
    /// rated with (a JSON array), then field/value pairs. Returns {outcome, record_version, billable_ms replaced,
    /// cost_micros replaced[, indicators]}: outcome 1 when this call wrote the final record (the first
    /// one, or a measurement replacing an estimate: the estimate's increments taken back out of usage and the
    /// measurement's added, version + 1), 2 when it was final before and its stream entry is still owed, 0 when
    /// there is nothing left to do, 3 when the record it would replace (the open record, or the estimate) holds an
    /// indicator the record was not rated with: posted during the call, or on the estimate, or between the writer's
    /// rating and this call. Then nothing is written (the lease is kept too, so a writer that dies now leaves the
    /// session to the reaper) and the stored <c>indicators</c> JSON is the fifth element: the writer merges them,
    /// rates again and retries (<see cref="FinalRecordCommitter"/>). Since this check and the write are one step,
    /// an indicator is either on the record replaced, and so on its replacement, or posted on the final record
    /// afterwards (<see cref="IndicatorScripts"/>): none is lost. An estimate never replaces anything, and a
    /// measurement replaces only an estimate. The increments are kept on the record (<c>usage_increments</c>) for
    /// that. The lease is released in every other case: the session is over.
    /// </summary>
    public const string Finalize = """
        local function add(json, sign)
          local inc = cjson.decode(json)
          for i = 1, #inc, 2 do
            local v = sign == 1 and inc[i + 1] or ('-' .. inc[i + 1])
            redis.call('HINCRBY', KEYS[2], inc[i], v)
            redis.call('HINCRBY', KEYS[6], inc[i], v)
          end
        end
        local status = redis.call('HGET', KEYS[1], 'status')
        if status ~= 'closed' or (ARGV[3] ~= '1' and redis.call('HGET', KEYS[1], 'estimated') == 'true') then
          local stored = redis.call('HGET', KEYS[1], 'indicators')
          if stored then
            local rated = {}
            for _, name in ipairs(cjson.decode(ARGV[7])) do rated[name] = true end
            for name in pairs(cjson.decode(stored)) do
              if not rated[name] then return {3, tonumber(redis.call('HGET', KEYS[1], 'record_version') or '0'), 0, 0, stored} end
            end
          end
        end
        redis.call('ZREM', KEYS[4], ARGV[1])
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        if status == 'closed' then
          local version = tonumber(redis.call('HGET', KEYS[1], 'record_version') or '1')
          if ARGV[3] == '1' or redis.call('HGET', KEYS[1], 'estimated') ~= 'true' then
            if redis.call('HGET', KEYS[1], 'streamed') == '1' then return {0, version, 0, 0} end
            redis.call('ZADD', KEYS[5], 'NX', now, ARGV[1])
            return {2, version, 0, 0}
          end
          local billable = tonumber(redis.call('HGET', KEYS[1], 'billable_ms') or '0')
          local cost = tonumber(redis.call('HGET', KEYS[1], 'cost_micros') or '0')
          local previous = redis.call('HGET', KEYS[1], 'usage_increments')
          if previous then
            add(previous, -1)
          else
            -- An estimate finalized before usage increments were kept counted its session, duration and billable time.
            -- The month hash did not exist then either: there is nothing to take out of it.
            redis.call('HINCRBY', KEYS[2], 'sessions', -1)
            redis.call('HINCRBY', KEYS[2], 'duration_ms', -tonumber(redis.call('HGET', KEYS[1], 'duration_ms') or '0'))
            redis.call('HINCRBY', KEYS[2], 'billable_ms', -billable)
          end
          version = version + 1
          redis.call('DEL', KEYS[1])
          redis.call('HSET', KEYS[1], unpack(ARGV, 8))
          redis.call('HSET', KEYS[1], 'record_version', version, 'streamed', '0', 'usage_increments', ARGV[6])
          redis.call('PEXPIRE', KEYS[1], ARGV[4])
          add(ARGV[6], 1)
          if ARGV[5] ~= '' then redis.call('HSET', KEYS[2], 'currency', ARGV[5]); redis.call('HSET', KEYS[6], 'currency', ARGV[5]) end
          redis.call('ZADD', KEYS[5], now, ARGV[1])
          return {1, version, billable, cost}
        end
        redis.call('HSET', KEYS[1], unpack(ARGV, 8))
        redis.call('HSET', KEYS[1], 'record_version', 1, 'streamed', '0', 'usage_increments', ARGV[6])
        redis.call('PEXPIRE', KEYS[1], ARGV[4])
        add(ARGV[6], 1)
        if ARGV[5] ~= '' then redis.call('HSET', KEYS[2], 'currency', ARGV[5]); redis.call('HSET', KEYS[6], 'currency', ARGV[5]) end
        redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
        redis.call('ZADD', KEYS[5], now, ARGV[1])
        return {1, 1, 0, 0}
        """;

    /// <summary>KEYS: session hash, customer unstreamed zset. ARGV: session id, the record_version just appended to
    /// the stream (records finalized before versions existed count as 1). Marks that version streamed, unless a newer
    /// one replaced it meanwhile (that one is still owed).</summary>
    public const string MarkStreamed = """
        if redis.call('EXISTS', KEYS[1]) == 0 then
          redis.call('ZREM', KEYS[2], ARGV[1])
          return 1
        end
        if (redis.call('HGET', KEYS[1], 'record_version') or '1') == ARGV[2] then
          redis.call('HSET', KEYS[1], 'streamed', '1')
          redis.call('HDEL', KEYS[1], 'stream_entry_pending')
          redis.call('ZREM', KEYS[2], ARGV[1])
        end
        return 1
        """;

    /// <summary>KEYS: customer unstreamed zset. ARGV: grace ms, limit. Sessions whose stream entry has been owed
    /// longer than the grace (by Redis time): their writer failed or died between the finalize and the append.</summary>
    public const string Owed = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]), 'LIMIT', 0, tonumber(ARGV[2]))
        """;

    /// <summary>KEYS: open session hashes of one customer. ARGV: 7 values per key – last_seen_ms, last_activity_ms,
    /// frames_in, frames_out, bytes_in, bytes_out, deepgram_request_id (empty while unknown). A record already
    /// closed is left as it is, and so is one that has seen a later heartbeat (a snapshot spooled during an outage
    /// may arrive after the owner's own beats).</summary>
    public const string Heartbeat = """
        for i, key in ipairs(KEYS) do
          if redis.call('HGET', key, 'status') == 'open' then
            local a = (i - 1) * 7
            local seen = tonumber(redis.call('HGET', key, 'last_seen_ms') or '0')
            if tonumber(ARGV[a + 1]) >= seen then
              redis.call('HSET', key, 'last_seen_ms', ARGV[a + 1], 'last_activity_ms', ARGV[a + 2],
                'frames_in', ARGV[a + 3], 'frames_out', ARGV[a + 4], 'bytes_in', ARGV[a + 5], 'bytes_out', ARGV[a + 6])
            end
            if ARGV[a + 7] ~= '' then redis.call('HSET', key, 'deepgram_request_id', ARGV[a + 7]) end
          end
        end
        return #KEYS
        """;
}
