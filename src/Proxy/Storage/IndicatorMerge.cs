using Proxy.Metering;

namespace Proxy.Storage;

/// <summary>
/// A final record with the indicators Redis holds for its session: what it is rated with before it replaces the open
/// record or the reaper's estimate. The stored one wins a name both have: it is the one the poster was answered
/// with (value and instant kept; the fee is the rater's to set).
/// </summary>
internal static class IndicatorMerge
{
    public static SessionRecord Into(SessionRecord record, IReadOnlyDictionary<string, IndicatorOutcome> stored)
    {
        var merged = new Dictionary<string, IndicatorOutcome>(record.Indicators ?? new Dictionary<string, IndicatorOutcome>(), StringComparer.Ordinal);
        foreach (var (name, indicator) in stored)
        {
            merged[name] = indicator;
        }

        return record with { Indicators = merged };
    }
}
