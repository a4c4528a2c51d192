using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Proxy.Storage;

/// <summary>
/// Keeps the <c>records</c> stream (the billing feed) from growing without bound. Entries every consumer group has
/// been delivered and has acknowledged are trimmed; past <see cref="StorageOptions.StreamMaxLength"/> the oldest go
/// even if a group is behind – counted, logged and alerted on, since the records themselves stay in their hashes
/// until their retention, so a consumer can catch up from the admin export. One script, so a group's progress
/// cannot move between reading it and trimming.
/// </summary>
internal sealed class RecordStreamTrimmer
{
    // KEYS: stream. ARGV: 1 to trim (0 only looks), cap. Returns {groups, trimmed below the groups' floor, trimmed by
    // the cap, length, id of the oldest entry a group still needs ('' when none)}.
    // A group's floor is its oldest pending entry (delivered, not acknowledged: a consumer that died after reading
    // must be able to claim it again) or, with nothing pending, the entry after its last-delivered-id.
    private const string Script = """
        if redis.call('EXISTS', KEYS[1]) == 0 then return {0, 0, 0, 0, ''} end
        local function parse(id)
          local ms, seq = string.match(id, '^(%d+)-(%d+)$')
          return tonumber(ms), tonumber(seq)
        end
        local floor, floorMs, floorSeq = nil, nil, nil
        local groups = redis.call('XINFO', 'GROUPS', KEYS[1])
        for _, g in ipairs(groups) do
          local f = {}
          for i = 1, #g, 2 do f[g[i]] = g[i + 1] end
          local id, ms, seq
          if tonumber(f['pending']) > 0 then
            id = redis.call('XPENDING', KEYS[1], f['name'])[2]
            ms, seq = parse(id)
          else
            ms, seq = parse(f['last-delivered-id'])
            seq = seq + 1
            id = string.format('%d-%d', ms, seq)
          end
          if floor == nil or ms < floorMs or (ms == floorMs and seq < floorSeq) then
            floor, floorMs, floorSeq = id, ms, seq
          end
        end
        local trimmed, capped = 0, 0
        if ARGV[1] == '1' and floor ~= nil then
          trimmed = redis.call('XTRIM', KEYS[1], 'MINID', floor)
        end
        local length = redis.call('XLEN', KEYS[1])
        if ARGV[1] == '1' and length > tonumber(ARGV[2]) then
          capped = redis.call('XTRIM', KEYS[1], 'MAXLEN', ARGV[2])
          length = length - capped
        end
        local oldest = ''
        if floor ~= nil then
          local first = redis.call('XRANGE', KEYS[1], floor, '+', 'COUNT', 1)
          if #first > 0 then oldest = first[1][1] end
        end
        return {#groups, trimmed, capped, length, oldest}
        """;

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;
    private readonly IOptions<StorageOptions> _options;
    private readonly TimeProvider _time;

    public RecordStreamTrimmer(IConnectionMultiplexer redis, RedisKeys keys, IOptions<StorageOptions> options, TimeProvider time)
    {
        _redis = redis;
        _keys = keys;
        _options = options;
        _time = time;
    }

    /// <summary>Trims the stream (when <paramref name="trim"/>; otherwise only looks) and reports its state.</summary>
    public async Task<RecordStreamState> RunAsync(bool trim)
    {
        var result = (RedisResult[])(await _redis.GetDatabase().ScriptEvaluateAsync(
            Script, [_keys.Records], [trim ? 1 : 0, _options.Value.StreamMaxLength]).ConfigureAwait(false))!;
        var oldest = (string?)result[4];
        return new RecordStreamState(
            Length: (long)result[3],
            Groups: (int)result[0],
            OldestUnreadAge: AgeOf(oldest, _time.GetUtcNow().ToUnixTimeMilliseconds()),
            TrimmedDelivered: (long)result[1],
            TrimmedByCap: (long)result[2]);
    }

    /// <summary>How old a stream entry is by its id (the Redis-clock ms it was added at); zero for none, or for one
    /// from a Redis clock ahead of ours.</summary>
    internal static TimeSpan AgeOf(string? entryId, long nowMs)
    {
        var dash = entryId?.IndexOf('-', StringComparison.Ordinal) ?? -1;
        if (dash <= 0 || !long.TryParse(entryId.AsSpan(0, dash), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var addedMs))
        {
            return TimeSpan.Zero;
        }

        return TimeSpan.FromMilliseconds(Math.Max(0, nowMs - addedMs));
    }
}
