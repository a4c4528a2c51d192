using System.Globalization;
using System.Text.Json;
using StackExchange.Redis;

namespace Proxy.Benchmarks.Load;

/// <summary>
/// What Redis holds for a run's sessions once they are over: each customer's records as the admin API exports them
/// (<c>format=jsonl</c>: every record, open or closed), and the records stream's new entries. How soon a record was
/// readable is the stream entry's id (Redis's clock when the proxy appended it, right after the finalize script made
/// the record closed) less the record's <c>client_closed_at_ms</c> (the proxy's clock, the same machine's).
/// </summary>
internal static class RecordAudit
{
    public static async Task<RecordAuditResult> RunAsync(ProxyServer admin, RedisBackend redis, IReadOnlyList<LoadCustomer> customers, IReadOnlyCollection<string> expected, string? streamBaseline)
    {
        var expectedIds = expected.ToHashSet(StringComparer.Ordinal);
        var closedPerClientSession = new Dictionary<string, int>(StringComparer.Ordinal);
        var open = 0;
        foreach (var customer in customers)
        {
            using var response = await admin.Admin.GetAsync(new Uri($"/admin/v1/sessions?customer={customer.Id}&format=jsonl", UriKind.Relative)).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            foreach (var line in body.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                using var record = JsonDocument.Parse(line);
                var root = record.RootElement;
                if (Text(root, "status") != "closed")
                {
                    open++;
                    continue;
                }

                var clientSessionId = Text(root, "client_session_id") ?? "(none)";
                closedPerClientSession[clientSessionId] = closedPerClientSession.GetValueOrDefault(clientSessionId) + 1;
            }
        }

        var customerIds = customers.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var readable = new LatencyHistogram();
        var streamed = new HashSet<(string Session, string Version)>();
        var repeatedEntries = 0;
        foreach (var entry in await redis.RecordsAfterAsync(streamBaseline).ConfigureAwait(false))
        {
            var fields = entry.Values.ToDictionary(v => (string)v.Name!, v => (string?)v.Value, StringComparer.Ordinal);
            if (!customerIds.Contains(fields.GetValueOrDefault("customer_id") ?? string.Empty))
            {
                continue;
            }

            if (!streamed.Add((fields.GetValueOrDefault("session_id") ?? string.Empty, fields.GetValueOrDefault("record_version") ?? string.Empty)))
            {
                repeatedEntries++;
                continue;
            }

            if (long.TryParse(fields.GetValueOrDefault("client_closed_at_ms"), NumberStyles.None, CultureInfo.InvariantCulture, out var closedAt))
            {
                readable.Record(Math.Max(0, EntryMilliseconds(entry.Id) - closedAt) * 1000);
            }
        }

        return new RecordAuditResult(
            expectedIds.Count,
            closedPerClientSession.Keys.Count(expectedIds.Contains),
            closedPerClientSession.Values.Sum(n => n - 1) + repeatedEntries,
            open,
            readable.Count,
            readable.Count == 0 ? null : readable.ValueAtPercentile(50) / 1000.0,
            readable.Count == 0 ? null : readable.ValueAtPercentile(99) / 1000.0);
    }

    private static string? Text(JsonElement record, string field) =>
        record.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    // A stream entry id is "<ms>-<sequence>", the ms from the Redis node's clock when the entry was added.
    private static long EntryMilliseconds(RedisValue id)
    {
        var text = (string)id!;
        return long.Parse(text.AsSpan(0, text.IndexOf('-', StringComparison.Ordinal)), NumberStyles.None, CultureInfo.InvariantCulture);
    }
}

/// <summary>Final records of a run's sessions: expected (sessions that opened), found (closed, by client session id),
/// duplicated (a second closed record for a client session, or a stream entry repeated for the same session and
/// record version), left open; and how soon after the client's close each was readable (ms, whole-ms clocks).</summary>
internal sealed record RecordAuditResult(int Expected, int Found, int Duplicated, int LeftOpen, long Streamed, double? ReadableP50Ms, double? ReadableP99Ms)
{
    public bool Clean => Found == Expected && Duplicated == 0 && LeftOpen == 0 && Streamed == Expected;
}
