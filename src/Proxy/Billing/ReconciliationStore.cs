using System.Globalization;
using Proxy.Storage;
using StackExchange.Redis;

namespace Proxy.Billing;

/// <summary>The last reconciliation report, as JSON: one over all customers (<see cref="RedisKeys.LastReconciliation"/>)
/// and one per customer (<see cref="RedisKeys.CustomerLastReconciliation"/>). Small (the id lists are capped) and
/// replaced by each run, so kept without expiry. Also where the scheduled runs' windows have got to
/// (<see cref="RedisKeys.ReconcileScheduledTo"/>).</summary>
internal sealed class ReconciliationStore
{
    // KEYS: scheduled-to. ARGV: the end the run started from ('' for none yet), its new end. Moves the end only from
    // where this run started: a second instance that ran the same window (its lock expired mid-run) cannot move it
    // back or skip a window. 1 when moved.
    private const string AdvanceScript = """
        local current = redis.call('GET', KEYS[1])
        if (current or '') ~= ARGV[1] then
          return 0
        end
        redis.call('SET', KEYS[1], ARGV[2])
        return 1
        """;

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;

    public ReconciliationStore(IConnectionMultiplexer redis, RedisKeys keys)
    {
        _redis = redis;
        _keys = keys;
    }

    public Task SaveAsync(string? customerId, string json) =>
        _redis.GetDatabase().StringSetAsync(Key(customerId), json);

    /// <summary>The last report's JSON, or null when none was kept.</summary>
    public async Task<string?> ReadAsync(string? customerId)
    {
        var value = await _redis.GetDatabase().StringGetAsync(Key(customerId)).ConfigureAwait(false);
        return value.IsNull ? null : (string)value!;
    }

    /// <summary>Where the last scheduled window ended (Unix ms), or null before the first scheduled run.</summary>
    public async Task<long?> ReadScheduledToAsync()
    {
        var value = await _redis.GetDatabase().StringGetAsync(_keys.ReconcileScheduledTo).ConfigureAwait(false);
        return value.IsNull ? null : (long)value;
    }

    /// <summary>Moves the scheduled end from <paramref name="fromMs"/> (null: none yet) to <paramref name="toMs"/>;
    /// false when another run moved it meanwhile.</summary>
    public async Task<bool> AdvanceScheduledToAsync(long? fromMs, long toMs) =>
        (int)await _redis.GetDatabase().ScriptEvaluateAsync(
            AdvanceScript, [_keys.ReconcileScheduledTo], [fromMs?.ToString(CultureInfo.InvariantCulture) ?? string.Empty, toMs]).ConfigureAwait(false) == 1;

    private RedisKey Key(string? customerId) =>
        customerId is null ? _keys.LastReconciliation : _keys.CustomerLastReconciliation(customerId);
}
