using System.Globalization;

namespace Proxy.Billing;

/// <summary>
/// Builds a month's invoice from its usage hash (BILLING.md, "Usage aggregates"; never from the records): per plan
/// version a usage line (<c>base_micros</c>) and, when the plan charged per session, a flat-fee line; a line per model
/// surcharge; a line per indicator. The finalize script adds each record's cost parts to those fields in the same
/// step as its <c>cost_micros</c>, so the lines add up to the month's <c>cost_micros</c> by construction; that is
/// checked, and a month where they do not is refused rather than invoiced wrongly.
/// </summary>
internal static class InvoiceBuilder
{
    private const string PlanPrefix = "plan:";
    private const string ModelPrefix = "model:";
    private const string IndicatorPrefix = "indicator:";

    // Ordinal, so the order of lines does not depend on the machine's culture.
    private static readonly Comparer<(string PlanId, long Version)> PlanOrder = Comparer<(string PlanId, long Version)>.Create((x, y) =>
    {
        var byPlan = string.CompareOrdinal(x.PlanId, y.PlanId);
        return byPlan != 0 ? byPlan : x.Version.CompareTo(y.Version);
    });

    private static readonly Comparer<(string Component, string Model)> ComponentModelOrder = Comparer<(string Component, string Model)>.Create((x, y) =>
    {
        var byComponent = string.CompareOrdinal(x.Component, y.Component);
        return byComponent != 0 ? byComponent : string.CompareOrdinal(x.Model, y.Model);
    });

    /// <summary>Throws <see cref="InvalidDataException"/> naming the field when a number is not an integer or a sum
    /// overflows, and naming both numbers when the lines do not add up to the month's <c>cost_micros</c>.</summary>
    public static Invoice Build(string customerId, InvoiceMonth month, IReadOnlyDictionary<string, string> fields)
    {
        var plans = new SortedDictionary<(string PlanId, long Version), PlanSums>(PlanOrder);
        var surcharges = new SortedDictionary<(string Component, string Model), ModelSums>(ComponentModelOrder);
        var indicators = new SortedDictionary<string, IndicatorSums>(StringComparer.Ordinal);
        foreach (var (name, value) in fields)
        {
            if (name.StartsWith(PlanPrefix, StringComparison.Ordinal))
            {
                // plan:<plan_id>:<version>:<measure>: the measure and version are the last two parts, so a plan id
                // with ':' is read whole.
                var last = name.LastIndexOf(':');
                var versionStart = last > PlanPrefix.Length ? name.LastIndexOf(':', last - 1) : -1;
                if (versionStart <= PlanPrefix.Length
                    || !long.TryParse(name.AsSpan(versionStart + 1, last - versionStart - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
                {
                    continue;
                }

                var sums = SumsOf(plans, (name[PlanPrefix.Length..versionStart], version));
                switch (name[(last + 1)..])
                {
                    case "sessions": sums.Sessions = Number(name, value); break;
                    case "rated_ms": sums.RatedMs = Number(name, value); break;
                    case "base_micros": sums.BaseMicros = Number(name, value); break;
                    case "per_session_micros": sums.PerSessionMicros = Number(name, value); break;
                }
            }
            else if (name.StartsWith(ModelPrefix, StringComparison.Ordinal))
            {
                // model:<component>:<model>:<measure>: the component ends at the first ':', the measure starts after
                // the last, so a model name with ':' ("gpt-4o:2024") is read whole.
                var componentEnd = name.IndexOf(':', ModelPrefix.Length);
                var last = name.LastIndexOf(':');
                if (componentEnd <= ModelPrefix.Length || last == componentEnd)
                {
                    continue;
                }

                var sums = SumsOf(surcharges, (name[ModelPrefix.Length..componentEnd], name[(componentEnd + 1)..last]));
                switch (name[(last + 1)..])
                {
                    case "sessions": sums.Sessions = Number(name, value); break;
                    case "surcharge_micros": sums.SurchargeMicros = Number(name, value); break;
                }
            }
            else if (name.StartsWith(IndicatorPrefix, StringComparison.Ordinal))
            {
                var last = name.LastIndexOf(':');
                if (last <= IndicatorPrefix.Length)
                {
                    continue;
                }

                var sums = SumsOf(indicators, name[IndicatorPrefix.Length..last]);
                switch (name[(last + 1)..])
                {
                    case "count": sums.Count = Number(name, value); break;
                    case "fee_micros": sums.FeeMicros = Number(name, value); break;
                }
            }
        }

        var lines = new List<InvoiceLine>();
        // A field the finalize script took back out (an estimate replaced by its measurement) stays in the hash at 0:
        // a plan version or indicator left with nothing at all is no line.
        foreach (var ((planId, version), sums) in plans.Where(p => p.Value is not { Sessions: 0, RatedMs: 0, BaseMicros: 0, PerSessionMicros: 0 }))
        {
            lines.Add(new InvoiceLine
            {
                Kind = InvoiceLine.Usage, PlanId = planId, PlanVersion = version, Sessions = sums.Sessions,
                Quantity = sums.RatedMs, Unit = "ms", AmountMicros = sums.BaseMicros,
            });
            if (sums.PerSessionMicros != 0)
            {
                lines.Add(new InvoiceLine
                {
                    Kind = InvoiceLine.FlatFee, PlanId = planId, PlanVersion = version, Sessions = sums.Sessions,
                    Quantity = sums.Sessions, Unit = "session", AmountMicros = sums.PerSessionMicros,
                });
            }
        }

        // Model fields exist for every session whose Settings named a model; only those the plan priced are lines.
        foreach (var ((component, model), sums) in surcharges.Where(s => s.Value.SurchargeMicros != 0))
        {
            lines.Add(new InvoiceLine
            {
                Kind = InvoiceLine.ModelSurcharge, Component = component, Model = model, Sessions = sums.Sessions,
                Quantity = sums.Sessions, Unit = "session", AmountMicros = sums.SurchargeMicros,
            });
        }

        foreach (var (name, sums) in indicators.Where(i => i.Value is not { Count: 0, FeeMicros: 0 }))
        {
            lines.Add(new InvoiceLine
            {
                Kind = InvoiceLine.Indicator, Name = name, Quantity = sums.Count, Unit = "indicator", AmountMicros = sums.FeeMicros,
            });
        }

        var total = 0L;
        foreach (var line in lines)
        {
            total = Add(total, line.AmountMicros, "the invoice total");
        }

        var costMicros = Optional(fields, "cost_micros");
        if (total != costMicros)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"The usage of '{customerId}' in {month} does not add up: its lines total {total} micros but its cost_micros is {costMicros}; no invoice is made from it."));
        }

        return new Invoice
        {
            Customer = customerId,
            Month = month.ToString(),
            Currency = fields.TryGetValue("currency", out var currency) ? currency : null,
            Status = Invoice.Open,
            Lines = lines,
            TotalMicros = total,
            Sessions = Optional(fields, "sessions"),
            RatedMs = Optional(fields, "rated_ms"),
        };
    }

    /// <summary>The adjustment lines for a finalized month: per line of that month (by kind and identity), what its
    /// usage hash says now minus what its snapshot billed, where quantity or amount differ.</summary>
    public static IReadOnlyList<InvoiceLine> Adjustments(Invoice snapshot, Invoice now) => Adjustments(new AdjustedMonth(snapshot, [], now));

    /// <summary>The adjustment lines for a finalized month: per line of that month (by kind and identity), what its
    /// usage hash says now minus what was billed for it – its snapshot's own lines and the adjustments of it that the
    /// finalized months after it already carried – where quantity or amount differ.</summary>
    public static IReadOnlyList<InvoiceLine> Adjustments(AdjustedMonth month)
    {
        var billedLines = OwnLines(month.Snapshot)
            .Concat(month.LaterAdjustments.Select(l => l with { Kind = l.AdjustsKind ?? string.Empty, AdjustsMonth = null, AdjustsKind = null }))
            .ToList();
        var billed = new Dictionary<(string, string?, long?, string?, string?, string?), (long? Sessions, long Quantity, long Amount)>();
        foreach (var line in billedLines)
        {
            var sum = billed.GetValueOrDefault(Identity(line));
            billed[Identity(line)] = (
                line.Sessions is null && sum.Sessions is null ? null : Add(sum.Sessions ?? 0, line.Sessions ?? 0, "an adjustment"),
                Add(sum.Quantity, line.Quantity, "an adjustment"),
                Add(sum.Amount, line.AmountMicros, "an adjustment"));
        }

        var current = OwnLines(month.Now).ToDictionary(Identity);
        var adjustments = new List<InvoiceLine>();
        var seen = new HashSet<(string, string?, long?, string?, string?, string?)>();
        foreach (var line in OwnLines(month.Now).Concat(billedLines.Where(l => !current.ContainsKey(Identity(l)))))
        {
            if (!seen.Add(Identity(line)))
            {
                continue;
            }

            current.TryGetValue(Identity(line), out var after);
            var before = billed.GetValueOrDefault(Identity(line));
            var quantity = Sub(after?.Quantity ?? 0, before.Quantity);
            var amount = Sub(after?.AmountMicros ?? 0, before.Amount);
            if (quantity != 0 || amount != 0)
            {
                adjustments.Add(line with
                {
                    Kind = InvoiceLine.Adjustment, AdjustsMonth = month.Snapshot.Month, AdjustsKind = line.Kind,
                    Sessions = line.Sessions is null ? null : Sub(after?.Sessions ?? 0, before.Sessions ?? 0),
                    Quantity = quantity, AmountMicros = amount,
                });
            }
        }

        return adjustments;
    }

    /// <summary><paramref name="invoice"/> with the adjustments of the finalized month <paramref name="snapshot"/>
    /// (its usage being <paramref name="now"/>) after its own lines, in the total and in its currency.</summary>
    public static Invoice WithAdjustments(Invoice invoice, Invoice snapshot, Invoice now) =>
        WithAdjustments(invoice, [new AdjustedMonth(snapshot, [], now)]);

    /// <summary><paramref name="invoice"/> with the adjustments of each finalized month (oldest first) after its own
    /// lines, in the total and in its currency. A month with only adjustments takes the finalized months' currency;
    /// adjustments in another currency than the month's own usage (or than each other) cannot be added to it
    /// (<see cref="InvalidDataException"/> naming both).</summary>
    public static Invoice WithAdjustments(Invoice invoice, IEnumerable<AdjustedMonth> months)
    {
        var lines = new List<InvoiceLine>(invoice.Lines);
        var currency = invoice.Currency;
        var total = invoice.TotalMicros;
        foreach (var month in months)
        {
            var adjustments = Adjustments(month);
            if (adjustments.Count == 0)
            {
                continue;
            }

            var adjustmentCurrency = month.Snapshot.Currency ?? month.Now.Currency;
            currency ??= adjustmentCurrency;
            if (adjustmentCurrency is not null && currency != adjustmentCurrency)
            {
                throw new InvalidDataException(
                    $"The usage of '{invoice.Customer}' in {invoice.Month} is in {currency} but the adjustments of {month.Snapshot.Month} are in {adjustmentCurrency}: they cannot be added up.");
            }

            foreach (var line in adjustments)
            {
                total = Add(total, line.AmountMicros, "the invoice total");
            }

            lines.AddRange(adjustments);
        }

        return lines.Count == invoice.Lines.Count ? invoice : invoice with { Currency = currency, Lines = lines, TotalMicros = total };
    }

    private static (string Kind, string? PlanId, long? PlanVersion, string? Component, string? Model, string? Name) Identity(InvoiceLine line) =>
        (line.Kind, line.PlanId, line.PlanVersion, line.Component, line.Model, line.Name);

    private static IEnumerable<InvoiceLine> OwnLines(Invoice invoice) => invoice.Lines.Where(l => l.Kind != InvoiceLine.Adjustment);

    private static long Sub(long now, long before)
    {
        try
        {
            return checked(now - before);
        }
        catch (OverflowException)
        {
            throw new InvalidDataException("An adjustment overflows a 64-bit count.");
        }
    }

    private static long Optional(IReadOnlyDictionary<string, string> fields, string name) =>
        fields.TryGetValue(name, out var value) ? Number(name, value) : 0;

    private static long Number(string field, string value) =>
        long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new InvalidDataException($"The usage field '{field}' holds '{value}', not an integer.");

    private static long Add(long sum, long value, string what)
    {
        try
        {
            return checked(sum + value);
        }
        catch (OverflowException)
        {
            throw new InvalidDataException($"{what} overflows a 64-bit count of micros.");
        }
    }

    private static TSums SumsOf<TKey, TSums>(SortedDictionary<TKey, TSums> sums, TKey key)
        where TKey : notnull
        where TSums : new()
    {
        if (!sums.TryGetValue(key, out var entry))
        {
            entry = new TSums();
            sums.Add(key, entry);
        }

        return entry;
    }

    private sealed class PlanSums
    {
        public long Sessions { get; set; }

        public long RatedMs { get; set; }

        public long BaseMicros { get; set; }

        public long PerSessionMicros { get; set; }
    }

    private sealed class ModelSums
    {
        public long Sessions { get; set; }

        public long SurchargeMicros { get; set; }
    }

    private sealed class IndicatorSums
    {
        public long Count { get; set; }

        public long FeeMicros { get; set; }
    }
}

/// <summary>A finalized month as an open month's adjustments see it: its <paramref name="Snapshot"/>, the adjustment
/// lines of it that the finalized months after it carried (<paramref name="LaterAdjustments"/>: billed too), and its
/// invoice as its usage hash says <paramref name="Now"/>.</summary>
internal sealed record AdjustedMonth(Invoice Snapshot, IReadOnlyList<InvoiceLine> LaterAdjustments, Invoice Now);
