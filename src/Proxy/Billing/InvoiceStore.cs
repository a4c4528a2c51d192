using System.Globalization;
using Proxy.Storage;
using StackExchange.Redis;

namespace Proxy.Billing;

/// <summary>
/// A customer's month usage hash (<see cref="RedisKeys.UsageMonth"/>, kept by the finalize script) and the finalized
/// months' invoice snapshots (<see cref="RedisKeys.Invoice"/>). Both keys carry the customer's hash tag, so one
/// script sees both in a Cluster. A snapshot is written once and never changed.
/// </summary>
internal sealed class InvoiceStore
{
    // KEYS: invoice hash, month usage hash. ARGV: the invoice JSON, the month's end (Unix ms), the cost_micros the
    // invoice was built from. An existing snapshot wins (finalizing twice answers the first one). The month must have
    // ended by Redis's clock (one clock for every instance). The month hash must still hold the cost the invoice was
    // built from, so a session finalized between the caller's read and this step is not left out of the snapshot.
    private const string FinalizeScript = """
        local existing = redis.call('HMGET', KEYS[1], 'json', 'finalized_at_ms')
        if existing[1] then return {'final', existing[1], existing[2]} end
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        if now < tonumber(ARGV[2]) then return {'open'} end
        if (redis.call('HGET', KEYS[2], 'cost_micros') or '0') ~= ARGV[3] then return {'changed'} end
        local stamp = string.format('%d', now)
        redis.call('HSET', KEYS[1], 'json', ARGV[1], 'finalized_at_ms', stamp)
        return {'final', ARGV[1], stamp}
        """;

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;

    public InvoiceStore(IConnectionMultiplexer redis, RedisKeys keys)
    {
        _redis = redis;
        _keys = keys;
    }

    private IDatabase Database => _redis.GetDatabase();

    /// <summary>The month's usage hash, field → value (empty when the customer has no usage that month).</summary>
    public async Task<IReadOnlyDictionary<string, string>> ReadMonthAsync(string customerId, InvoiceMonth month)
    {
        var entries = await Database.HashGetAllAsync(_keys.UsageMonth(customerId, month.FirstDay)).ConfigureAwait(false);
        return entries.ToDictionary(e => (string)e.Name!, e => (string)e.Value!, StringComparer.Ordinal);
    }

    /// <summary>The finalized month's snapshot, or null when the month is not finalized.</summary>
    public async Task<InvoiceSnapshot?> ReadFinalAsync(string customerId, InvoiceMonth month)
    {
        var values = await Database.HashGetAsync(_keys.Invoice(customerId, month.FirstDay), ["json", "finalized_at_ms"]).ConfigureAwait(false);
        return values[0].IsNull ? null : new InvoiceSnapshot((string)values[0]!, ParseMs(values[1]));
    }

    /// <summary>The months' usage hashes, in the order asked, read together.</summary>
    public async Task<IReadOnlyList<IReadOnlyDictionary<string, string>>> ReadMonthsAsync(string customerId, IReadOnlyList<InvoiceMonth> months)
    {
        var db = Database;
        var reads = months.Select(m => db.HashGetAllAsync(_keys.UsageMonth(customerId, m.FirstDay))).ToArray();
        var entries = await Task.WhenAll(reads).ConfigureAwait(false);
        return [.. entries.Select(e => (IReadOnlyDictionary<string, string>)e.ToDictionary(x => (string)x.Name!, x => (string)x.Value!, StringComparer.Ordinal))];
    }

    /// <summary>The months' snapshots, in the order asked (null where a month is not finalized), read together.</summary>
    public async Task<IReadOnlyList<InvoiceSnapshot?>> ReadFinalManyAsync(string customerId, IReadOnlyList<InvoiceMonth> months)
    {
        var db = Database;
        var reads = months.Select(m => db.HashGetAsync(_keys.Invoice(customerId, m.FirstDay), ["json", "finalized_at_ms"])).ToArray();
        var values = await Task.WhenAll(reads).ConfigureAwait(false);
        return [.. values.Select(v => v[0].IsNull ? null : new InvoiceSnapshot((string)v[0]!, ParseMs(v[1])))];
    }

    /// <summary>Stores <paramref name="json"/> as the month's snapshot unless one exists (then that one is answered).</summary>
    public async Task<InvoiceFinalizeResult> FinalizeAsync(string customerId, InvoiceMonth month, string json, long costMicros)
    {
        var result = (RedisResult[])(await Database.ScriptEvaluateAsync(
            FinalizeScript,
            [_keys.Invoice(customerId, month.FirstDay), _keys.UsageMonth(customerId, month.FirstDay)],
            [json, month.EndUnixMs, costMicros]).ConfigureAwait(false))!;
        return (string)result[0]! switch
        {
            "final" => new InvoiceFinalizeResult(InvoiceFinalizeOutcome.Final, new InvoiceSnapshot((string)result[1]!, ParseMs((RedisValue)result[2]))),
            "open" => new InvoiceFinalizeResult(InvoiceFinalizeOutcome.MonthOpen, null),
            _ => new InvoiceFinalizeResult(InvoiceFinalizeOutcome.UsageChanged, null),
        };
    }

    private static long ParseMs(RedisValue value) => long.Parse((string)value!, NumberStyles.None, CultureInfo.InvariantCulture);
}

/// <summary>A finalized month's invoice JSON as stored, and when it was finalized (Redis time, Unix ms).</summary>
internal sealed record InvoiceSnapshot(string Json, long FinalizedAtMs);

internal sealed record InvoiceFinalizeResult(InvoiceFinalizeOutcome Outcome, InvoiceSnapshot? Snapshot);

internal enum InvoiceFinalizeOutcome
{
    /// <summary>The month is finalized: this call's snapshot or the one stored before.</summary>
    Final,

    /// <summary>The month has not ended (Redis time): nothing stored.</summary>
    MonthOpen,

    /// <summary>The month's cost changed after the invoice was built: nothing stored; build it again.</summary>
    UsageChanged,
}
