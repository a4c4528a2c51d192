using Proxy.Storage;
using StackExchange.Redis;

namespace Proxy.Billing;

/// <summary>The currencies a customer's usage aggregates of a month were rated in (the <c>currency</c> field of each
/// day's usage hash, BILLING.md).</summary>
internal sealed class UsageCurrencyStore
{
    private const string CurrencyField = "currency";

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;

    public UsageCurrencyStore(IConnectionMultiplexer redis, RedisKeys keys)
    {
        _redis = redis;
        _keys = keys;
    }

    /// <summary>The currencies of the usage from the first of <paramref name="through"/>'s month through that day;
    /// empty when none of it was rated.</summary>
    public async Task<IReadOnlySet<string>> MonthToDateAsync(string customerId, DateOnly through)
    {
        var db = _redis.GetDatabase();
        var batch = db.CreateBatch();
        var reads = new List<Task<RedisValue>>(through.Day);
        for (var day = new DateOnly(through.Year, through.Month, 1); day <= through; day = day.AddDays(1))
        {
            reads.Add(batch.HashGetAsync(_keys.Usage(customerId, day), CurrencyField));
        }

        batch.Execute();
        var currencies = new HashSet<string>(StringComparer.Ordinal);
        foreach (var read in reads)
        {
            var currency = await read.ConfigureAwait(false);
            if (!currency.IsNullOrEmpty)
            {
                currencies.Add(currency!);
            }
        }

        return currencies;
    }
}
