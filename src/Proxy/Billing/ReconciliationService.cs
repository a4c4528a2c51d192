using System.Text.Json;
using Microsoft.Extensions.Options;
using Proxy.Customers;
using Proxy.Storage;
using Proxy.Telemetry;

namespace Proxy.Billing;

/// <summary>
/// Runs one reconciliation: Deepgram's requests of a period against our records of the period (one customer's, or
/// every customer's, streamed a page at a time), keeps the report as the last one and exports its figures.
/// </summary>
internal sealed class ReconciliationService
{
    /// <summary>The index is scored by client open, a period holds sessions by upstream open, which comes after it by
    /// the handshake: records opened this much before the period are read too and sorted by their upstream open.</summary>
    private static readonly TimeSpan HandshakeLookback = TimeSpan.FromMinutes(1);

    private readonly SessionRecordStore _records;
    private readonly CustomerStore _customers;
    private readonly ReconciliationStore _store;
    private readonly DeepgramRequestsClient _deepgram;
    private readonly UpstreamKeyStore _upstreamKeys;
    private readonly IOptionsMonitor<DeepgramOptions> _deepgramOptions;
    private readonly ProxyMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<ReconciliationService> _logger;

    public ReconciliationService(
        SessionRecordStore records,
        CustomerStore customers,
        ReconciliationStore store,
        DeepgramRequestsClient deepgram,
        UpstreamKeyStore upstreamKeys,
        IOptionsMonitor<DeepgramOptions> deepgramOptions,
        ProxyMetrics metrics,
        TimeProvider time,
        ILogger<ReconciliationService> logger)
    {
        _deepgram = deepgram;
        _upstreamKeys = upstreamKeys;
        _deepgramOptions = deepgramOptions;
        _records = records;
        _customers = customers;
        _store = store;
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    /// <summary>Whether the customer id names a customer that may hold records (a current or a deleted one).</summary>
    public async Task<bool> IsKnownCustomerAsync(string customerId) =>
        (await _customers.ListIdsAsync().ConfigureAwait(false)).Contains(customerId, StringComparer.Ordinal);

    /// <summary>Whether Deepgram's requests list can be fetched (<c>Deepgram:ProjectId</c> and <c>ManagementKey</c> set).</summary>
    public bool CanFetch => _deepgram.IsConfigured;

    /// <summary>Deepgram's agent requests of the period from its management API; a failure counts as a failed run.</summary>
    /// <exception cref="DeepgramRequestsException">Deepgram refused or failed (the message says what it answered).</exception>
    /// <remarks>For one customer without an explicit <paramref name="accessor"/>: only the requests of its own Deepgram
    /// keys when they were in force for the whole period (<see cref="CustomerAccessors"/>), so the list holds that
    /// customer's requests alone.</remarks>
    public async Task<IReadOnlyList<DeepgramRequest>> FetchAsync(
        ReconciliationPeriod period, string? customerId, string? accessor, ReconciliationTrigger trigger, CancellationToken cancellationToken)
    {
        IReadOnlyList<string?> accessors = [accessor];
        if (accessor is null && customerId is not null)
        {
            var history = await _upstreamKeys.HistoryAsync(customerId).ConfigureAwait(false);
            var margin = (long)_deepgramOptions.CurrentValue.KeyRetirementGrace.TotalMilliseconds;
            accessors = CustomerAccessors.For(history, period, margin) ?? accessors;
        }

        try
        {
            if (accessors.Count == 1)
            {
                return await _deepgram.ListAsync(period, accessors[0], cancellationToken).ConfigureAwait(false);
            }

            // A request is one key's: the lists do not overlap, but a request id seen twice is kept once all the same.
            var all = new List<DeepgramRequest>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var key in accessors)
            {
                all.AddRange((await _deepgram.ListAsync(period, key, cancellationToken).ConfigureAwait(false)).Where(r => seen.Add(r.RequestId)));
            }

            return all;
        }
        catch (DeepgramRequestsException ex)
        {
            _metrics.ReconciliationFailed(trigger.Name());
            ReconciliationLog.Failed(_logger, period.FromText, period.ToText, "fetching Deepgram's requests list", trigger.Name(), ex);
            throw;
        }
    }

    public async Task<ReconciliationReport> RunAsync(
        ReconciliationPeriod period, string? customerId, IReadOnlyList<DeepgramRequest> requests, ReconciliationTrigger trigger, CancellationToken cancellationToken)
    {
        var scope = customerId ?? "all customers";
        try
        {
            var matcher = new ReconciliationMatcher(period, requests);
            IReadOnlyList<string> customers = customerId is null ? await _customers.ListIdsAsync().ConfigureAwait(false) : [customerId];
            var fromMs = Math.Max(0, period.FromMs - (long)HandshakeLookback.TotalMilliseconds);
            foreach (var customer in customers)
            {
                await foreach (var record in _records.StreamAsync(customer, fromMs, period.ToMs - 1, status: null, cancellationToken).ConfigureAwait(false))
                {
                    matcher.Observe(record);
                }
            }

            var report = matcher.Finish(customerId, _time.GetUtcNow().ToUnixTimeMilliseconds()) with { Trigger = trigger.Name() };
            await _store.SaveAsync(customerId, JsonSerializer.Serialize(report, ReconciliationJsonContext.Default.ReconciliationReport)).ConfigureAwait(false);
            _metrics.ReconciliationCompleted(trigger.Name(), report.MissingInRecordsCount, report.MissingAtDeepgramCount, report.DurationDriftMs.Total, report.DurationDriftMs.Max);
            ReconciliationLog.Completed(_logger, report.From, report.To, scope, report.Trigger, report.Matched, report.MissingInRecordsCount,
                report.MissingAtDeepgramCount, report.DurationDriftMs.Total, report.DurationDriftMs.Max);
            return report;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _metrics.ReconciliationFailed(trigger.Name());
            ReconciliationLog.Failed(_logger, period.FromText, period.ToText, scope, trigger.Name(), ex);
            throw;
        }
    }

    /// <summary>The last report's JSON (of the customer, or over all customers), or null when none was kept.</summary>
    public Task<string?> LastAsync(string? customerId) => _store.ReadAsync(customerId);
}
