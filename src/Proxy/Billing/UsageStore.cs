using Proxy.Storage;
using StackExchange.Redis;

namespace Proxy.Billing;

/// <summary>Reads a customer's per-day usage aggregates (<c>{prefix}{customer}:usage:yyyy-MM-dd</c>), which the
/// finalize script keeps: one HGETALL per day of the range, all sent before any answer is awaited (one round trip's
/// latency for the whole range; the keys share the customer's hash slot). Session records are never read.</summary>
internal sealed class UsageStore
{
    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;

    public UsageStore(IConnectionMultiplexer redis, RedisKeys keys)
    {
        _redis = redis;
        _keys = keys;
    }

    /// <summary>The days of <paramref name="range"/> that have an aggregate, ascending.</summary>
    public async Task<IReadOnlyList<UsageDay>> ReadAsync(string customerId, UsageRange range)
    {
        var db = _redis.GetDatabase();
        var reads = range.Days.Select(day => (Day: day, Read: db.HashGetAllAsync(_keys.Usage(customerId, day)))).ToArray();

        // Every read is awaited together, so a failure of one does not leave the others' faults unobserved.
        await Task.WhenAll(reads.Select(r => r.Read)).ConfigureAwait(false);
        var days = new List<UsageDay>();
        foreach (var (day, read) in reads)
        {
            var entries = await read.ConfigureAwait(false);
            if (entries.Length > 0)
            {
                days.Add(new UsageDay(day, entries.ToDictionary(e => (string)e.Name!, e => (string)e.Value!, StringComparer.Ordinal)));
            }
        }

        return days;
    }
}
