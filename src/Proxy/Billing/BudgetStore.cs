using Proxy.Storage;
using StackExchange.Redis;

namespace Proxy.Billing;

/// <summary>Month-to-date cost for budgets, from the customer's month hash (<c>{prefix}{customer}:usage-month:yyyy-MM</c>)
/// that the finalize script keeps: one HMGET in the customer's slot, the same numbers on every instance.</summary>
internal sealed class BudgetStore
{
    private const string CostField = "cost_micros";

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;

    public BudgetStore(IConnectionMultiplexer redis, RedisKeys keys)
    {
        _redis = redis;
        _keys = keys;
    }

    /// <summary>The customer's and the key's cost in the UTC month of <paramref name="anyDayOfMonth"/> (0 when none).
    /// Throws <see cref="StorageUnavailableException"/> when Redis does not answer.</summary>
    public async Task<MonthToDateCost> ReadAsync(string customerId, string keyId, DateOnly anyDayOfMonth)
    {
        RedisValue[] values;
        try
        {
            values = await _redis.GetDatabase()
                .HashGetAsync(_keys.UsageMonth(customerId, anyDayOfMonth), [CostField, KeyCostField(keyId)])
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new StorageUnavailableException("The month-to-date cost could not be read: Redis did not answer.", ex);
        }

        return new MonthToDateCost(Micros(values[0]), Micros(values[1]));
    }

    public static string KeyCostField(string keyId) => $"key:{keyId}:cost_micros";

    private static long Micros(RedisValue value) => value.IsNullOrEmpty ? 0 : (long)value;
}

/// <summary>A month's cost so far, in micro-units: the customer's and one of its keys'.</summary>
internal readonly record struct MonthToDateCost(long CustomerMicros, long KeyMicros);
