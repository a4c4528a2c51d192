using System.Text.Json;

namespace Proxy.Billing;

/// <summary>
/// A customer's invoice for a month: the stored snapshot once the month is finalized, otherwise built afresh from the
/// month's usage hash (<see cref="InvoiceBuilder"/>). Finalizing stores the invoice built from the month hash as it
/// is at that moment; the snapshot never changes afterwards. Later changes to a finalized month's sessions are
/// adjustment lines on the first month after it that is not finalized (README, "Invoices").
/// </summary>
internal sealed partial class InvoiceService
{
    // A session of the month finalizing between the read and the store makes the store refuse; a few rebuilds are
    // enough (sessions of a month that has ended only arrive late: replays, reaped orphans).
    private const int FinalizeAttempts = 5;

    // Every month before an open one is read back to the first that is not finalized. Ten years of months finalized
    // without a gap is where the look back stops (logged): changes to older months are not billed.
    private const int MaxFinalizedRun = 120;
    private const int ReadBatch = 12;

    private readonly InvoiceStore _store;
    private readonly ILogger<InvoiceService> _logger;

    public InvoiceService(InvoiceStore store, ILogger<InvoiceService> logger)
    {
        _store = store;
        _logger = logger;
    }

    /// <summary>Throws <see cref="InvalidDataException"/> when the month hash does not make a consistent invoice.</summary>
    public async Task<Invoice> GetAsync(string customerId, InvoiceMonth month)
    {
        var snapshot = await _store.ReadFinalAsync(customerId, month).ConfigureAwait(false);
        if (snapshot is not null)
        {
            return FromSnapshot(snapshot);
        }

        var fields = await _store.ReadMonthAsync(customerId, month).ConfigureAwait(false);
        return await WithAdjustmentsAsync(InvoiceBuilder.Build(customerId, month, fields), customerId, month).ConfigureAwait(false);
    }

    // Changes to a finalized month's sessions (a late indicator, a measured final replacing an estimate, a replayed
    // record) are billed on the first month after it that is not finalized: this month, for every finalized month in
    // the unbroken run right before it. For each, what its usage hash says now minus what was billed for it: its
    // snapshot and the adjustments of it that the finalized months after it carried. So a change is billed once,
    // whichever month that is; a change made while a later month was being finalized and missed by its snapshot is
    // still unbilled, and lands here.
    private async Task<Invoice> WithAdjustmentsAsync(Invoice invoice, string customerId, InvoiceMonth month)
    {
        var finalized = await FinalizedRunBeforeAsync(customerId, month).ConfigureAwait(false);
        if (finalized.Count == 0)
        {
            return invoice;
        }

        var hashes = await _store.ReadMonthsAsync(customerId, [.. finalized.Select(f => f.Month)]).ConfigureAwait(false);
        var months = new List<AdjustedMonth>(finalized.Count);
        for (var i = finalized.Count - 1; i >= 0; i--)
        {
            var (finalMonth, snapshot) = finalized[i];
            var carried = finalized.Take(i)
                .SelectMany(later => later.Snapshot.Lines)
                .Where(l => l.Kind == InvoiceLine.Adjustment && l.AdjustsMonth == snapshot.Month)
                .ToList();
            months.Add(new AdjustedMonth(snapshot, carried, InvoiceBuilder.Build(customerId, finalMonth, hashes[i])));
        }

        return InvoiceBuilder.WithAdjustments(invoice, months);
    }

    /// <summary>The finalized months right before <paramref name="month"/>, newest first, up to the first one that is
    /// not finalized (or <see cref="MaxFinalizedRun"/> of them).</summary>
    private async Task<List<(InvoiceMonth Month, Invoice Snapshot)>> FinalizedRunBeforeAsync(string customerId, InvoiceMonth month)
    {
        var run = new List<(InvoiceMonth Month, Invoice Snapshot)>();
        var next = month;
        while (run.Count < MaxFinalizedRun)
        {
            // A batch of months at a time: a customer who finalizes every month has a run as long as its history.
            var batch = new List<InvoiceMonth>(ReadBatch);
            for (var m = next; batch.Count < ReadBatch && run.Count + batch.Count < MaxFinalizedRun && !(m.FirstDay.Year == 1 && m.FirstDay.Month == 1); )
            {
                m = new InvoiceMonth(m.FirstDay.AddMonths(-1));
                batch.Add(m);
            }

            if (batch.Count == 0)
            {
                return run;
            }

            var snapshots = await _store.ReadFinalManyAsync(customerId, batch).ConfigureAwait(false);
            for (var i = 0; i < batch.Count; i++)
            {
                if (snapshots[i] is null)
                {
                    return run;
                }

                run.Add((batch[i], FromSnapshot(snapshots[i]!)));
            }

            next = batch[^1];
        }

        LogRunTooLong(customerId, month.ToString(), MaxFinalizedRun);
        return run;
    }

    /// <summary>The month's final invoice, or null when the month has not ended (UTC, by Redis's clock).</summary>
    public async Task<Invoice?> FinalizeAsync(string customerId, InvoiceMonth month)
    {
        for (var attempt = 1; ; attempt++)
        {
            var fields = await _store.ReadMonthAsync(customerId, month).ConfigureAwait(false);
            var own = InvoiceBuilder.Build(customerId, month, fields);
            var invoice = await WithAdjustmentsAsync(own, customerId, month).ConfigureAwait(false);
            var json = JsonSerializer.Serialize(invoice, InvoiceJsonContext.Default.Invoice);
            var result = await _store.FinalizeAsync(customerId, month, json, own.TotalMicros).ConfigureAwait(false);
            switch (result.Outcome)
            {
                case InvoiceFinalizeOutcome.MonthOpen:
                    return null;
                case InvoiceFinalizeOutcome.Final:
                    var final = FromSnapshot(result.Snapshot!);
                    LogFinalized(customerId, final.Month, final.TotalMicros, final.Currency);
                    return final;
                case InvoiceFinalizeOutcome.UsageChanged when attempt >= FinalizeAttempts:
                    throw new InvalidOperationException(
                        $"The usage of '{customerId}' in {month} kept changing while it was being finalized ({FinalizeAttempts} attempts); try again.");
            }
        }
    }

    private static Invoice FromSnapshot(InvoiceSnapshot snapshot)
    {
        var invoice = JsonSerializer.Deserialize(snapshot.Json, InvoiceJsonContext.Default.Invoice)
            ?? throw new InvalidDataException("A stored invoice snapshot is not a JSON object.");
        return invoice with { Status = Invoice.Final, FinalizedAtMs = snapshot.FinalizedAtMs };
    }

    [LoggerMessage(EventId = 7400, Level = LogLevel.Information,
        Message = "Invoice of {CustomerId} for {Month} is final: {TotalMicros} micros {Currency}")]
    private partial void LogFinalized(string customerId, string month, long totalMicros, string? currency);

    [LoggerMessage(EventId = 7410, Level = LogLevel.Warning,
        Message = "Invoice of {CustomerId} for {Month}: the {MaxMonths} months before it are all finalized; changes to older months are not looked for")]
    private partial void LogRunTooLong(string customerId, string month, int maxMonths);
}
