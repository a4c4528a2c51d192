using Proxy.Storage;
using StackExchange.Redis;

namespace Proxy.Billing;

/// <summary>The last reconciliation report, as JSON: one over all customers (<see cref="RedisKeys.LastReconciliation"/>)
/// and one per customer (<see cref="RedisKeys.CustomerLastReconciliation"/>). Small (the id lists are capped) and
/// replaced by each run, so kept without expiry.</summary>
internal sealed class ReconciliationStore
{
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

    private RedisKey Key(string? customerId) =>
        customerId is null ? _keys.LastReconciliation : _keys.CustomerLastReconciliation(customerId);
}
