namespace Proxy.Storage;

/// <summary>
/// The Lua scripts that add an outcome indicator to a session's record. On a final record (<see cref="Apply"/>) the
/// new field values are computed by
/// <see cref="IndicatorStore"/> from the record as it read it; the script applies them only if the record is still
/// that version (compare-and-set on <c>record_version</c>), so a concurrent post or a measured final replacing an
/// estimate is never overwritten: the store reads again and recomputes. Everything that must agree – the record, its
/// version, its stream debt and the day and month usage – changes in this one step. On an open record
/// (<see cref="AddToOpen"/>) only the <c>indicators</c> field changes: the session is counted, and its indicators
/// priced, when its final record is written, which refuses to replace a record holding indicators it was not rated
/// with (<see cref="SessionRecordScripts.Finalize"/>). All keys share the customer's hash tag.
/// </summary>
internal static class IndicatorScripts
{
    /// <summary>
    /// KEYS: session hash, usage hash (day), usage hash (month), customer unstreamed zset. ARGV: customer id, the
    /// record_version read (records finalized before versions existed read as 1), session id, the new
    /// <c>indicators</c> JSON, the new <c>cost_micros</c> ('' leaves it), the new <c>cost_parts</c> JSON ('' leaves
    /// it), the new <c>usage_increments</c> JSON ('' leaves it), the indicator's usage increments (a JSON array of
    /// alternating field names and positive decimal strings). Returns the new record_version; 0 when the record is
    /// gone, not closed or another customer's; -1 when its version changed since it was read.
    /// </summary>
    public const string Apply = """
        if redis.call('HGET', KEYS[1], 'customer_id') ~= ARGV[1] then return 0 end
        if redis.call('HGET', KEYS[1], 'status') ~= 'closed' then return 0 end
        local current = redis.call('HGET', KEYS[1], 'record_version') or '1'
        if current ~= ARGV[2] then return -1 end
        local version = tonumber(current) + 1
        redis.call('HSET', KEYS[1], 'indicators', ARGV[4], 'record_version', version, 'streamed', '0')
        if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'cost_micros', ARGV[5]) end
        if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'cost_parts', ARGV[6]) end
        if ARGV[7] ~= '' then redis.call('HSET', KEYS[1], 'usage_increments', ARGV[7]) end
        local inc = cjson.decode(ARGV[8])
        for i = 1, #inc, 2 do
          redis.call('HINCRBY', KEYS[2], inc[i], inc[i + 1])
          redis.call('HINCRBY', KEYS[3], inc[i], inc[i + 1])
        end
        local t = redis.call('TIME')
        redis.call('ZADD', KEYS[4], tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), ARGV[3])
        return version
        """;

    /// <summary>
    /// KEYS: session hash. ARGV: customer id, the <c>indicators</c> JSON read ('' when there was none), the new
    /// <c>indicators</c> JSON. Returns 1 when written; 0 when the record is gone or another customer's; -1 when it is
    /// no longer open (finalized since it was read: the indicator then goes on the final record, through
    /// <see cref="Apply"/>) or its indicators changed since they were read (a concurrent post).
    /// </summary>
    public const string AddToOpen = """
        if redis.call('HGET', KEYS[1], 'customer_id') ~= ARGV[1] then return 0 end
        if redis.call('HGET', KEYS[1], 'status') ~= 'open' then return -1 end
        if (redis.call('HGET', KEYS[1], 'indicators') or '') ~= ARGV[2] then return -1 end
        redis.call('HSET', KEYS[1], 'indicators', ARGV[3])
        return 1
        """;
}
