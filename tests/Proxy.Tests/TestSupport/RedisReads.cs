using System.Globalization;
using StackExchange.Redis;

namespace Proxy.Tests.TestSupport;

/// <summary>What tests against a real redis-server read back: Redis's own clock (leases and plan versions are
/// stamped by it, not by the test's) and a hash as text, the way the scripts wrote it.</summary>
internal static class RedisReads
{
    /// <summary>Redis's clock (TIME) in Unix milliseconds.</summary>
    public static async Task<long> ServerNowMsAsync(this IDatabase db)
    {
        var time = (RedisResult[])(await db.ExecuteAsync("TIME"))!;
        return (long.Parse((string)time[0]!, CultureInfo.InvariantCulture) * 1000)
            + (long.Parse((string)time[1]!, CultureInfo.InvariantCulture) / 1000);
    }

    /// <summary>Every field of a hash as stored text (empty when the key does not exist).</summary>
    public static async Task<Dictionary<string, string>> HashTextAsync(this IDatabase db, RedisKey key) =>
        (await db.HashGetAllAsync(key)).ToDictionary(e => (string)e.Name!, e => (string)e.Value!);
}
