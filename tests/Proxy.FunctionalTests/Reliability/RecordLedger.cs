using System.Globalization;
using System.Text.Json;
using Proxy.FunctionalTests.Infrastructure;
using StackExchange.Redis;

namespace Proxy.FunctionalTests.Reliability;

/// <summary>Checks a customer's books: one final record per session, usage (time and cost) equal to their sum, the
/// stream complete.</summary>
internal static class RecordLedger
{
    public static async Task<IReadOnlyList<JsonElement>> AssertBooksBalanceAsync(ProxyServer proxy, IDatabase redis, string customerId, IReadOnlyCollection<string> requestIds)
    {
        var records = (await proxy.ListSessionsAsync(customerId)).ToList();
        Assert.All(records, r => Assert.Equal("closed", r.GetProperty("status").GetString()));
        var byRequest = records.Where(r => r.GetProperty("deepgram_request_id").ValueKind == JsonValueKind.String)
            .GroupBy(r => r.GetProperty("deepgram_request_id").GetString()!)
            .ToDictionary(g => g.Key, g => g.Count());
        foreach (var requestId in requestIds)
        {
            Assert.True(byRequest.TryGetValue(requestId, out var count) && count == 1, $"session {requestId} has {(byRequest.TryGetValue(requestId, out var c) ? c : 0)} records");
        }

        var usage = new Dictionary<string, long>();
        foreach (var day in records.Select(r => DateTimeOffset.FromUnixTimeMilliseconds(r.GetProperty("upstream_opened_at_ms").GetInt64()).UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Distinct())
        {
            foreach (var entry in await redis.HashGetAllAsync($"dgp:{{{customerId}}}:usage:{day}"))
            {
                // Every field is a count or a sum but the currency.
                if (entry.Name != "currency")
                {
                    usage[entry.Name!] = usage.GetValueOrDefault(entry.Name!) + (long)entry.Value;
                }
            }
        }

        Assert.Equal(records.Count, usage.GetValueOrDefault("sessions"));
        Assert.Equal(records.Sum(r => r.GetProperty("duration_ms").GetInt64()), usage.GetValueOrDefault("duration_ms"));
        Assert.Equal(records.Sum(r => r.GetProperty("billable_ms").GetInt64()), usage.GetValueOrDefault("billable_ms"));
        Assert.Equal(records.Sum(r => Int64OrZero(r, "rated_ms")), usage.GetValueOrDefault("rated_ms"));
        Assert.Equal(records.Sum(r => Int64OrZero(r, "cost_micros")), usage.GetValueOrDefault("cost_micros"));

        // The billing feed holds every record (at-least-once: a re-sent entry is allowed, a missing one is not). The
        // entry follows the finalize script that closed the record (another cluster slot), so it may land a moment
        // after the record reads closed: waited for, within the owed-entry retry's bound.
        var ids = records.Select(r => r.GetProperty("session_id").GetString()).ToHashSet();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var streamed = (await redis.StreamRangeAsync("dgp:records"))
                .Select(e => e.Values.First(v => v.Name == "session_id").Value.ToString())
                .Where(ids.Contains)
                .ToHashSet();
            if (streamed.Count == ids.Count || DateTime.UtcNow > deadline)
            {
                Assert.Equal(ids.Count, streamed.Count);
                break;
            }

            await Task.Delay(50);
        }

        return records;
    }

    private static long Int64OrZero(JsonElement record, string field) =>
        record.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : 0;
}
