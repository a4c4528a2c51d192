using System.Collections.Concurrent;

namespace Proxy.Billing;

/// <summary>Remembers which budgets this instance already warned about this month, so the 80 % warning is counted
/// and logged once per customer (or key) per month per instance rather than on every admission.</summary>
internal sealed class BudgetWarnings
{
    /// <summary>The share of a budget, in percent, at which the warning is given.</summary>
    public const int WarningPercent = 80;

    // Bounded: an entry per budgeted customer or key that reached 80 %; the map is cleared if it ever grows past this
    // (a repeated warning is the worst outcome).
    private const int MaxEntries = 100_000;

    private readonly ConcurrentDictionary<string, string> _warnedMonth = new(StringComparer.Ordinal);

    /// <summary>Whether <paramref name="spentMicros"/> is at least 80 % of <paramref name="budgetMicros"/> (a positive
    /// budget), computed without overflow or fractions.</summary>
    public static bool Reached(long spentMicros, long budgetMicros) =>
        budgetMicros > 0 && (Int128)spentMicros * 100 >= (Int128)budgetMicros * WarningPercent;

    /// <summary>True the first time it is asked for this scope and subject in <paramref name="month"/> (yyyy-MM).</summary>
    public bool TryFirst(string scope, string subject, string month)
    {
        if (_warnedMonth.Count >= MaxEntries)
        {
            _warnedMonth.Clear();
        }

        var key = $"{scope}:{subject}";
        while (true)
        {
            if (_warnedMonth.TryGetValue(key, out var warned))
            {
                if (warned == month)
                {
                    return false;
                }

                if (_warnedMonth.TryUpdate(key, month, warned))
                {
                    return true;
                }
            }
            else if (_warnedMonth.TryAdd(key, month))
            {
                return true;
            }
        }
    }
}
