using System.Globalization;
using System.Text.Json;
using Proxy.Metering;

namespace Proxy.Storage;

/// <summary>
/// The field values a final record gets when an indicator is added to it, as <see cref="IndicatorScripts.Apply"/>
/// takes them ('' for a field left as it is): the fee goes into <c>cost_micros</c> and <c>cost_parts</c>'
/// <c>indicator_fees</c> (only when non-zero: an unpriced indicator is recorded, not priced), and the usage
/// increments – the day's and the key's and each used model's cost, the indicator's count and fee – are appended to
/// the record's <c>usage_increments</c>, so that a later replacement of the record takes them back out exactly.
/// </summary>
internal sealed record IndicatorChange(string IndicatorsJson, string CostMicros, string CostPartsJson, string UsageIncrementsJson, string IncrementsJson)
{
    /// <param name="record">The record as read.</param>
    /// <param name="usageIncrements">Its stored <c>usage_increments</c> (null for a record finalized before they were
    /// kept: left absent then, as the finalize script's fallback for such records expects).</param>
    /// <param name="name">The indicator's name (not on the record yet).</param>
    /// <param name="indicator">The indicator with its fee and instant.</param>
    public static IndicatorChange For(SessionRecord record, string? usageIncrements, string name, IndicatorOutcome indicator)
    {
        var indicatorsJson = IndicatorsWith(record, name, indicator);
        var fee = indicator.FeeMicros;

        var increments = Increments(record, name, fee);
        var incrementsJson = UsageIncrements.ToScriptArgument(increments);
        var usageIncrementsJson = string.Empty;
        if (usageIncrements is not null)
        {
            var flat = JsonSerializer.Deserialize(usageIncrements, StorageJsonContext.Default.ListString) ?? [];
            foreach (var (field, value) in increments)
            {
                flat.Add(field);
                flat.Add(value.ToString(CultureInfo.InvariantCulture));
            }

            usageIncrementsJson = JsonSerializer.Serialize(flat, StorageJsonContext.Default.ListString);
        }

        if (fee == 0)
        {
            return new IndicatorChange(indicatorsJson, string.Empty, string.Empty, usageIncrementsJson, incrementsJson);
        }

        var parts = record.CostParts ?? new CostBreakdown();
        var fees = new Dictionary<string, long>(parts.IndicatorFees, StringComparer.Ordinal) { [name] = fee };
        var cost = checked((record.CostMicros ?? 0) + fee);
        return new IndicatorChange(
            indicatorsJson,
            cost.ToString(CultureInfo.InvariantCulture),
            JsonSerializer.Serialize(parts with { IndicatorFees = fees }, MeteringJsonContext.Default.CostBreakdown),
            usageIncrementsJson,
            incrementsJson);
    }

    /// <summary>The record's <c>indicators</c> field with <paramref name="name"/> added.</summary>
    public static string IndicatorsWith(SessionRecord record, string name, IndicatorOutcome indicator)
    {
        var indicators = new Dictionary<string, IndicatorOutcome>(record.Indicators ?? new Dictionary<string, IndicatorOutcome>(), StringComparer.Ordinal)
        {
            [name] = indicator,
        };
        return JsonSerializer.Serialize<IReadOnlyDictionary<string, IndicatorOutcome>>(indicators, MeteringJsonContext.Default.IReadOnlyDictionaryStringIndicatorOutcome);
    }

    /// <summary>What the indicator adds to the day's and month's usage: positive values only (a field nothing was
    /// added to reads as 0, and the finalize script takes increments back out by negating their text).</summary>
    internal static IReadOnlyList<KeyValuePair<string, long>> Increments(SessionRecord record, string name, long fee)
    {
        var increments = new List<KeyValuePair<string, long>>(8);
        if (fee > 0)
        {
            increments.Add(new("cost_micros", fee));
            increments.Add(new($"key:{record.KeyId}:cost_micros", fee));
            foreach (var (component, model) in new[] { ("listen", record.ListenModel), ("think", record.ThinkModel), ("speak", record.SpeakModel) })
            {
                if (model is { Length: > 0 })
                {
                    increments.Add(new($"model:{component}:{model}:cost_micros", fee));
                }
            }
        }

        increments.Add(new($"indicator:{name}:count", 1));
        if (fee > 0)
        {
            increments.Add(new($"indicator:{name}:fee_micros", fee));
        }

        return increments;
    }
}
