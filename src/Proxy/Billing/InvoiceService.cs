using System.Text.Json;

namespace Proxy.Billing;

/// <summary>
/// A customer's invoice for a month: the stored snapshot once the month is finalized, otherwise built afresh from the
/// month's usage hash (<see cref="InvoiceBuilder"/>). Finalizing stores the invoice built from the month hash as it
/// is at that moment; the snapshot never changes afterwards. Later changes to the previous month's sessions, once it
/// is finalized, are adjustment lines on this month's invoice (README, "Invoices").
/// </summary>
internal sealed partial class InvoiceService
{
    // A session of the month finalizing between the read and the store makes the store refuse; a few rebuilds are
    // enough (sessions of a month that has ended only arrive late: replays, reaped orphans).
    private const int FinalizeAttempts = 5;

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

    // Changes to the previous month's sessions after it was finalized (a late indicator, a measured final replacing an
    // estimate) are billed here: what its usage hash says now minus what its snapshot billed, line by line.
    private async Task<Invoice> WithAdjustmentsAsync(Invoice invoice, string customerId, InvoiceMonth month)
    {
        var previous = new InvoiceMonth(month.FirstDay.AddMonths(-1));
        var snapshot = month.FirstDay.Year == 1 && month.FirstDay.Month == 1 ? null : await _store.ReadFinalAsync(customerId, previous).ConfigureAwait(false);
        if (snapshot is null)
        {
            return invoice;
        }

        var now = InvoiceBuilder.Build(customerId, previous, await _store.ReadMonthAsync(customerId, previous).ConfigureAwait(false));
        return InvoiceBuilder.WithAdjustments(invoice, FromSnapshot(snapshot), now);
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
}
