using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Proxy.Billing;

/// <summary>
/// A customer's usage over a range of UTC days, from the per-day aggregates the finalize script keeps (never from the
/// session records): rows per day, per proxy key or per model, and the total. The total is always the day-level sum,
/// which is the sum of the records: per-key and per-model rows need not add up to it (a session counts once under
/// each model it used, and model rows exist only for sessions whose Settings named a model).
/// </summary>
internal sealed record UsageReport
{
    public required string Customer { get; init; }

    /// <summary>ISO 4217 code of every money field; null when no day in the range has billing fields (no usage, or
    /// only usage aggregated before billing, whose cost is 0).</summary>
    public required string? Currency { get; init; }

    public required DateOnly From { get; init; }

    public required DateOnly To { get; init; }

    public required UsageGrouping GroupBy { get; init; }

    /// <summary>Days ascending; keys by key id; models by component, then model (ordinal).</summary>
    public required IReadOnlyList<UsageRow> Rows { get; init; }

    public required UsageTotals Total { get; init; }

    /// <summary>Builds the report from the days that have an aggregate. Fails (false, with each currency and the days
    /// it spans) when the days are in more than one currency: a customer's currency can change between months (a plan
    /// in another currency is accepted only while the month has no usage), and sums across currencies mean nothing.
    /// Throws <see cref="InvalidDataException"/> naming the day and field when a sum is not an integer or overflows.</summary>
    public static bool TryBuild(
        string customerId,
        UsageRange range,
        UsageGrouping grouping,
        IReadOnlyList<UsageDay> days,
        [NotNullWhen(true)] out UsageReport? report,
        out IReadOnlyList<UsageCurrencySpan> currencies)
    {
        report = null;
        currencies = CurrenciesOf(days);
        if (currencies.Count > 1)
        {
            return false;
        }

        var total = new UsageSums();
        var dayRows = new List<UsageRow>();
        var keys = new SortedDictionary<string, UsageSums>(StringComparer.Ordinal);
        var models = new SortedDictionary<(string Component, string Model), UsageSums>(ComponentModelOrder.Instance);
        foreach (var day in days.OrderBy(d => d.Day))
        {
            var daySums = new UsageSums();
            foreach (var (name, value) in day.Fields)
            {
                if (!UsageField.TryParse(name, out var field))
                {
                    continue;
                }

                var sums = field.Scope switch
                {
                    UsageFieldScope.Day => daySums,
                    UsageFieldScope.Key when grouping == UsageGrouping.Key => SumsOf(keys, field.KeyId!),
                    UsageFieldScope.Model when grouping == UsageGrouping.Model => SumsOf(models, (field.Component!, field.Model!)),
                    _ => null,
                };
                if (sums is not null)
                {
                    Add(sums, day.Day, name, field.Measure, value);
                }
            }

            AddTotals(total, daySums.Totals, day.Day);
            dayRows.Add(RowOf(daySums) with { Day = day.Day });
        }

        IReadOnlyList<UsageRow> rows = grouping switch
        {
            UsageGrouping.Day => dayRows,
            UsageGrouping.Key => [.. keys.Select(k => RowOf(k.Value) with { KeyId = k.Key })],
            UsageGrouping.Model => [.. models.Select(m => RowOf(m.Value) with { Component = m.Key.Component, Model = m.Key.Model, SurchargeMicros = m.Value.SurchargeMicros })],
            _ => throw new ArgumentOutOfRangeException(nameof(grouping), grouping, null),
        };
        report = new UsageReport
        {
            Customer = customerId,
            Currency = currencies.Count == 1 ? currencies[0].Currency : null,
            From = range.From,
            To = range.To,
            GroupBy = grouping,
            Rows = rows,
            Total = total.Totals,
        };
        return true;
    }

    private static IReadOnlyList<UsageCurrencySpan> CurrenciesOf(IReadOnlyList<UsageDay> days) =>
        [.. days
            .Select(d => (d.Day, Currency: d.Fields.TryGetValue(UsageField.Currency, out var c) ? c : string.Empty))
            .Where(d => d.Currency.Length > 0)
            .GroupBy(d => d.Currency, StringComparer.Ordinal)
            .Select(g => new UsageCurrencySpan(g.Key, g.Min(d => d.Day), g.Max(d => d.Day)))
            .OrderBy(s => s.FirstDay)];

    private static UsageSums SumsOf<TKey>(SortedDictionary<TKey, UsageSums> rows, TKey key)
        where TKey : notnull
    {
        if (!rows.TryGetValue(key, out var sums))
        {
            sums = new UsageSums();
            rows.Add(key, sums);
        }

        return sums;
    }

    private static void Add(UsageSums sums, DateOnly day, string name, string measure, string value)
    {
        if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
        {
            throw new InvalidDataException($"The usage of {day:yyyy-MM-dd} has '{value}' in field '{name}', which is not an integer.");
        }

        try
        {
            sums.Add(measure, number);
        }
        catch (OverflowException)
        {
            throw new InvalidDataException($"The sum of field '{name}' up to {day:yyyy-MM-dd} does not fit in 64 bits.");
        }
    }

    private static void AddTotals(UsageSums total, UsageTotals day, DateOnly date)
    {
        try
        {
            total.Add(day);
        }
        catch (OverflowException)
        {
            throw new InvalidDataException($"The total up to {date:yyyy-MM-dd} does not fit in 64 bits.");
        }
    }

    private static UsageRow RowOf(UsageSums sums)
    {
        var totals = sums.Totals;
        return new UsageRow
        {
            Sessions = totals.Sessions,
            DurationMs = totals.DurationMs,
            BillableMs = totals.BillableMs,
            RatedMs = totals.RatedMs,
            CostMicros = totals.CostMicros,
        };
    }

    private sealed class ComponentModelOrder : IComparer<(string Component, string Model)>
    {
        public static readonly ComponentModelOrder Instance = new();

        public int Compare((string Component, string Model) x, (string Component, string Model) y)
        {
            var byComponent = string.CompareOrdinal(x.Component, y.Component);
            return byComponent != 0 ? byComponent : string.CompareOrdinal(x.Model, y.Model);
        }
    }
}

/// <summary>A currency the usage of a range is in, and the first and last day with usage in it.</summary>
internal sealed record UsageCurrencySpan(string Currency, DateOnly FirstDay, DateOnly LastDay);
