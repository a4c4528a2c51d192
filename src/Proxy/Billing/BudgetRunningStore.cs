using System.Globalization;
using Proxy.Storage;
using StackExchange.Redis;

namespace Proxy.Billing;

/// <summary>
/// The cluster-wide spend of a customer for budgets with <c>budget_action</c> <c>close</c>: the month hash's cost
/// (finalized sessions) plus the running cost of every live session on every instance. Each instance publishes its
/// own sessions' running costs into the customer's running hash (<see cref="RedisKeys.BudgetRunning"/>) and reads
/// everyone's back in the same script, so a customer costs one round trip per check. An entry stops counting when it
/// expires (its instance died or stopped publishing it) or when the session's record is closed: the finalize script
/// adds the session's cost to the month hash in the same atomic step that closes the record, so a finished session is
/// counted once, never twice and never not at all. Every instant is Redis's clock (<c>TIME</c>).
/// </summary>
internal sealed class BudgetRunningStore
{
    // KEYS: running hash, month hash. ARGV: entry ttl ms, the session key prefix of the customer, n, then n pairs
    // (session id, "cost:cost_within_lead:key_id"), then the month hash fields to read.
    // The session keys are built here rather than passed: which sessions other instances published is only known
    // inside the script. They carry the customer's hash tag, so they are in the same Cluster slot as KEYS.
    // Money is never added up in Lua (its numbers are doubles): the script returns the strings.
    private const string PublishAndReadScript = RedisScriptClock.NowMs + """
        local ttl = tonumber(ARGV[1])
        local n = tonumber(ARGV[3])
        for i = 0, n - 1 do
          redis.call('HSET', KEYS[1], ARGV[4 + 2 * i], (now + ttl) .. ':' .. ARGV[5 + 2 * i])
        end
        if n > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
        local running = {}
        local all = redis.call('HGETALL', KEYS[1])
        for i = 1, #all, 2 do
          local value = all[i + 1]
          local sep = string.find(value, ':', 1, true)
          local expires = sep and tonumber(string.sub(value, 1, sep - 1)) or 0
          if expires <= now or redis.call('HGET', ARGV[2] .. all[i], 'status') == 'closed' then
            redis.call('HDEL', KEYS[1], all[i])
          else
            running[#running + 1] = string.sub(value, sep + 1)
          end
        end
        return {redis.call('HMGET', KEYS[2], unpack(ARGV, 4 + 2 * n)), running}
        """;

    private const string CostField = "cost_micros";

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;

    public BudgetRunningStore(IConnectionMultiplexer redis, RedisKeys keys)
    {
        _redis = redis;
        _keys = keys;
    }

    /// <summary>
    /// Publishes <paramref name="entries"/> (this instance's live sessions of the customer opened in the UTC month of
    /// <paramref name="anyDayOfMonth"/>, each valid for <paramref name="entryTtl"/>) and returns what the customer and
    /// each of <paramref name="keyIds"/> has spent in that month, finalized plus running on all instances. Throws
    /// <see cref="StorageUnavailableException"/> when Redis does not answer.
    /// </summary>
    public async Task<BudgetSpent> PublishAndReadAsync(
        string customerId, DateOnly anyDayOfMonth, IReadOnlyList<RunningCostEntry> entries, IReadOnlyList<string> keyIds, TimeSpan entryTtl)
    {
        var args = new List<RedisValue>(3 + (2 * entries.Count) + 1 + keyIds.Count)
        {
            (long)entryTtl.TotalMilliseconds,
            _keys.Session(customerId, string.Empty).ToString(),
            entries.Count,
        };
        foreach (var entry in entries)
        {
            args.Add(entry.SessionId);
            args.Add(string.Create(CultureInfo.InvariantCulture, $"{entry.Cost.NowMicros}:{entry.Cost.WithinLeadMicros}:{entry.KeyId}"));
        }

        args.Add(CostField);
        foreach (var keyId in keyIds)
        {
            args.Add(BudgetStore.KeyCostField(keyId));
        }

        RedisResult[] result;
        try
        {
            result = (RedisResult[])(await _redis.GetDatabase().ScriptEvaluateAsync(
                PublishAndReadScript,
                [_keys.BudgetRunning(customerId, anyDayOfMonth), _keys.UsageMonth(customerId, anyDayOfMonth)],
                [.. args]).ConfigureAwait(false))!;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new StorageUnavailableException("The running cost of live sessions could not be published: Redis did not answer.", ex);
        }

        var month = (RedisValue[])result[0]!;
        var running = ((RedisValue[])result[1]!).Select(v => ParseRunning(v!)).ToList();
        var customer = Sum(Micros(month[0]), running);
        var keys = new Dictionary<string, SpentSoFar>(keyIds.Count, StringComparer.Ordinal);
        for (var i = 0; i < keyIds.Count; i++)
        {
            var keyId = keyIds[i];
            keys[keyId] = Sum(Micros(month[i + 1]), running.Where(r => string.Equals(r.KeyId, keyId, StringComparison.Ordinal)));
        }

        return new BudgetSpent(customer, keys);
    }

    private static SpentSoFar Sum(long finalizedMicros, IEnumerable<RunningCostEntry> running)
    {
        Int128 now = finalizedMicros;
        Int128 withinLead = finalizedMicros;
        foreach (var entry in running)
        {
            now += entry.Cost.NowMicros;
            withinLead += entry.Cost.WithinLeadMicros;
        }

        return new SpentSoFar(Saturate(now), Saturate(withinLead));
    }

    private static long Saturate(Int128 micros) => micros > long.MaxValue ? long.MaxValue : (long)micros;

    private static RunningCostEntry ParseRunning(string value)
    {
        // "cost:cost_within_lead:key_id"; a key id has no ':' but the split keeps the rest together anyway.
        var parts = value.Split(':', 3);
        return new RunningCostEntry(
            SessionId: string.Empty,
            KeyId: parts.Length == 3 ? parts[2] : string.Empty,
            new LiveSessionCost(ParseMicros(parts[0]), parts.Length > 1 ? ParseMicros(parts[1]) : 0));
    }

    private static long ParseMicros(string text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var micros) ? micros : 0;

    private static long Micros(RedisValue value) => value.IsNullOrEmpty ? 0 : (long)value;
}

/// <summary>A live session's running cost as one instance publishes it.</summary>
internal sealed record RunningCostEntry(string SessionId, string KeyId, LiveSessionCost Cost);

/// <summary>A month's spend in micro-units: finalized sessions plus the running cost of live ones, if they ended now
/// and if they ended after the warning lead.</summary>
internal readonly record struct SpentSoFar(long NowMicros, long WithinLeadMicros);

/// <summary>The month's spend of a customer and of some of its keys (<see cref="BudgetRunningStore"/>).</summary>
internal sealed record BudgetSpent(SpentSoFar Customer, IReadOnlyDictionary<string, SpentSoFar> Keys);
