using System.Globalization;
using System.Text.Json;
using Proxy.Metering;

namespace Proxy.Storage;

/// <summary>
/// What one final record adds to its customer's usage hash for the day (README, "Billing": the aggregates the usage
/// reports and invoices read): the day's totals and the same per key, per model used, per plan version and per
/// indicator. The finalize script adds them in the same step that closes the record, and keeps them on the record,
/// so a measured final replacing an estimate takes exactly the estimate's back out.
/// </summary>
internal static class UsageIncrements
{
    public static IReadOnlyList<KeyValuePair<string, long>> For(SessionRecord record)
    {
        var increments = new List<KeyValuePair<string, long>>(32);
        AddTotals(increments, string.Empty, record);
        AddTotals(increments, $"key:{record.KeyId}:", record);
        foreach (var (component, model) in ModelStages.OfSettings(record))
        {
            var prefix = $"model:{component}:{model}:";
            AddTotals(increments, prefix, record);
            Add(increments, prefix + "surcharge_micros", record.CostParts?.Surcharges.GetValueOrDefault($"{component}:{model}"));
        }

        if (record is { PlanId: { } planId, PlanVersion: { } version, CostParts: { } parts })
        {
            var prefix = $"plan:{planId}:{version.ToString(CultureInfo.InvariantCulture)}:";
            increments.Add(new(prefix + "sessions", 1));
            Add(increments, prefix + "rated_ms", record.RatedMs);
            Add(increments, prefix + "base_micros", parts.BaseMicros);
            Add(increments, prefix + "per_session_micros", parts.PerSessionMicros);
        }

        // Every indicator counts, priced or not and on an unrated record too, as a post on a final record counts it
        // (IndicatorChange): a record replaced later takes back out exactly what it added.
        if (record.Indicators is { } indicators)
        {
            foreach (var name in indicators.Keys.Order(StringComparer.Ordinal))
            {
                increments.Add(new($"indicator:{name}:count", 1));
                Add(increments, $"indicator:{name}:fee_micros", record.CostParts?.IndicatorFees.GetValueOrDefault(name));
            }
        }

        return increments;
    }

    /// <summary>The increments as the finalize script reads them: a JSON array of alternating field names and
    /// decimal values (strings, so Lua's doubles never round a value).</summary>
    public static string ToScriptArgument(IReadOnlyList<KeyValuePair<string, long>> increments)
    {
        var flat = new List<string>(increments.Count * 2);
        foreach (var (field, value) in increments)
        {
            flat.Add(field);
            flat.Add(value.ToString(CultureInfo.InvariantCulture));
        }

        return JsonSerializer.Serialize(flat, StorageJsonContext.Default.ListString);
    }

    private static void AddTotals(List<KeyValuePair<string, long>> increments, string prefix, SessionRecord record)
    {
        increments.Add(new(prefix + "sessions", 1));
        Add(increments, prefix + "duration_ms", record.DurationMs);
        Add(increments, prefix + "billable_ms", record.BillableMs);
        Add(increments, prefix + "rated_ms", record.RatedMs);
        Add(increments, prefix + "cost_micros", record.CostMicros);
    }

    // Zeros are left out: a field nothing was added to reads as 0, and the script never negates a "0".
    private static void Add(List<KeyValuePair<string, long>> increments, string field, long? value)
    {
        if (value is > 0)
        {
            increments.Add(new(field, value.Value));
        }
    }
}
