using System.Diagnostics.Metrics;

namespace Proxy.Telemetry;

/// <summary>
/// The proxy's own instruments, exported as <c>dgproxy_*</c> (README, "Operating"). Only bounded labels: close
/// reasons, rejection and failure reasons, results, and – if the operator opts in – an allow-listed customer.
/// Nothing here runs per frame: traffic is read from the sessions' own counters at scrape time, by the instruments
/// each feature registers on this meter (<see cref="IObservedInstruments"/>).
/// </summary>
internal sealed class ProxyMetrics
{
    public const string MeterName = "Proxy";

    private static readonly double[] SessionDurationBuckets = [1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 5400, 7200];
    private static readonly double[] ConnectDurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    // The label values of the billing counters (README, "Metrics"), each series created at 0 from the start.
    private static readonly string[] BudgetScopes = ["customer", "key"];
    private static readonly string[] IndicatorResults = ["created", "repeated", "conflict"];
    private static readonly string[] ReconciliationResults = [ReconciliationResultOk, ReconciliationResultMismatch, ReconciliationResultFailed];
    private static readonly string[] DeepgramKeyDeletionResults = [DeepgramKeyDeleted, DeepgramKeyDeletionFailed];
    private const string DeepgramKeyDeleted = "deleted";
    private const string DeepgramKeyDeletionFailed = "failed";

    /// <summary>A reconciliation that matched every request and every record.</summary>
    public const string ReconciliationResultOk = "ok";

    /// <summary>A reconciliation that found a request or a record missing on the other side.</summary>
    public const string ReconciliationResultMismatch = "mismatch";

    /// <summary>A reconciliation that could not finish (Deepgram's list could not be fetched, or storage failed).</summary>
    public const string ReconciliationResultFailed = "failed";

    /// <summary>A reconciliation an admin asked for (<c>POST /admin/v1/reconcile</c>).</summary>
    public const string ReconciliationTriggerOnDemand = "on_demand";

    /// <summary>A reconciliation the schedule ran (<c>Deepgram:ReconcileEvery</c>).</summary>
    public const string ReconciliationTriggerScheduled = "scheduled";

    private static readonly string[] ReconciliationTriggers = [ReconciliationTriggerOnDemand, ReconciliationTriggerScheduled];

    // The outcomes of one call to Deepgram's management API (each try counts once).
    public const string ManagementOutcomeOk = "ok";
    public const string ManagementOutcomeRateLimited = "rate_limited";
    public const string ManagementOutcomeServerError = "server_error";
    public const string ManagementOutcomeRefused = "refused";
    public const string ManagementOutcomeClientError = "client_error";
    public const string ManagementOutcomeFailed = "failed";

    private static readonly string[] ManagementOutcomes =
        [ManagementOutcomeOk, ManagementOutcomeRateLimited, ManagementOutcomeServerError, ManagementOutcomeRefused, ManagementOutcomeClientError, ManagementOutcomeFailed];

    private readonly CustomerLabel _customer;
    private readonly Counter<long> _sessions;
    private readonly Histogram<double> _sessionDuration;
    private readonly Counter<double> _billableSeconds;
    private readonly Histogram<double> _upstreamConnect;
    private readonly Counter<long> _admissionRejected;
    private readonly Counter<long> _authFailures;
    private readonly Counter<long> _idleWarnings;
    private readonly Counter<long> _forcedCloses;
    private readonly Counter<long> _protocolViolations;
    private readonly Counter<long> _recordWrites;
    private readonly Counter<long> _costMicros;
    private readonly Counter<long> _indicators;
    private readonly Counter<long> _budgetRefusals;
    private readonly Counter<long> _budgetWarnings;
    private readonly Counter<long> _unratedSessions;
    private readonly Counter<long> _budgetCloses;
    private readonly Counter<long> _reconciliationRuns;
    private readonly Counter<long> _deepgramKeyDeletions;
    private readonly Counter<long> _managementRequests;
    private ReconciliationFigures? _lastReconciliation;

    public ProxyMetrics(IMeterFactory meterFactory, CustomerLabel customer)
    {
        _customer = customer;
        var meter = meterFactory.Create(MeterName);
        _sessions = meter.CreateCounter<long>("dgproxy.sessions", description: "Sessions whose final record was written, by close reason (counted once, by the instance that wrote it).");
        _sessionDuration = meter.CreateHistogram(
            "dgproxy.session.duration", "s", "Session duration as recorded (upstream connection time).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SessionDurationBuckets });
        _billableSeconds = meter.CreateCounter<double>("dgproxy.billable", "s", "Billable seconds of finalized sessions (at least 1 s per connected session).");
        _upstreamConnect = meter.CreateHistogram(
            "dgproxy.upstream.connect.duration", "s", "From forwarding the upgrade to the agent API's answer, by result (ok, refused, failed).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = ConnectDurationBuckets });
        _admissionRejected = meter.CreateCounter<long>("dgproxy.admission.rejected", description: "Session requests refused before or at the upgrade, by reason.");
        _authFailures = meter.CreateCounter<long>("dgproxy.auth.failures", description: "Failed proxy key checks, by reason.");
        _idleWarnings = meter.CreateCounter<long>("dgproxy.idle.warnings", description: "SESSION_IDLE_WARNING messages sent.");
        _forcedCloses = meter.CreateCounter<long>("dgproxy.forced.closes", description: "Sessions the proxy closed, by reason.");
        _protocolViolations = meter.CreateCounter<long>("dgproxy.protocol.violations", description: "Sessions ended because a peer broke the WebSocket protocol or a limit, by side and error.");
        _costMicros = meter.CreateCounter<long>("dgproxy.cost.micros", description: "Rated cost of finalized sessions in micro-units, by currency (a measurement replacing an estimate adds the difference when it is higher).");
        _indicators = meter.CreateCounter<long>("dgproxy.indicators", description: "Outcome indicators posted through the admin API, by result (created, repeated, conflict).");
        _budgetRefusals = meter.CreateCounter<long>("dgproxy.budget.refusals", description: "Sessions refused because a monthly budget was reached, by scope (customer, key).");
        _budgetWarnings = meter.CreateCounter<long>("dgproxy.budget.warnings", description: "Budgets seen at 80 % or more of their month, by scope (customer, key); once per customer or key per month per instance.");
        _unratedSessions = meter.CreateCounter<long>("dgproxy.sessions.unrated", description: "Sessions whose final record was written with a plan id but no cost (no version of the plan in force at the open, or a price beyond Int64): counted once, like dgproxy.sessions.");
        _budgetCloses = meter.CreateCounter<long>("dgproxy.budget.closes", description: "Live sessions closed because a monthly budget with budget_action close was reached, by scope (customer, key).");
        _recordWrites = meter.CreateCounter<long>("dgproxy.record.writes", description: "Session record writes, by record (open, final) and result (ok, spooled, replayed, already_final, replaced_estimate, failed).");
        _reconciliationRuns = meter.CreateCounter<long>("dgproxy.reconciliation.runs", description: "Reconciliations with Deepgram's requests list run on this instance, by result (ok, mismatch, failed) and trigger (on_demand, scheduled).");
        _managementRequests = meter.CreateCounter<long>("dgproxy.deepgram.management.requests", description: "Calls to Deepgram's management API (each try, retries included), by outcome (ok, rate_limited, server_error, refused, client_error, failed).");
        meter.CreateObservableGauge("dgproxy.reconciliation.missing", ObserveMissing,
            description: "The last reconciliation on this instance: Deepgram requests without a record (side=records) and records Deepgram does not list (side=deepgram); absent before the first run.");
        meter.CreateObservableGauge("dgproxy.reconciliation.drift.ms", ObserveDrift,
            description: "The last reconciliation on this instance: total and largest absolute difference between a record's duration_ms and Deepgram's duration (stat=total, max); absent before the first run.");

        // Present from the start at 0: an alert on its increase then sees the very first failure of a process.
        RecordWritten(RecordWriteKinds.Open, RecordWriteResults.Failed, 0);
        RecordWritten(RecordWriteKinds.Final, RecordWriteResults.Failed, 0);
        _unratedSessions.Add(0);
        foreach (var scope in BudgetScopes)
        {
            _budgetRefusals.Add(0, new KeyValuePair<string, object?>("scope", scope));
            _budgetWarnings.Add(0, new KeyValuePair<string, object?>("scope", scope));
            _budgetCloses.Add(0, new KeyValuePair<string, object?>("scope", scope));
        }

        foreach (var result in IndicatorResults)
        {
            _indicators.Add(0, new KeyValuePair<string, object?>("result", result));
        }

        foreach (var result in ReconciliationResults)
        {
            foreach (var trigger in ReconciliationTriggers)
            {
                _reconciliationRuns.Add(0, new KeyValuePair<string, object?>("result", result), new KeyValuePair<string, object?>("trigger", trigger));
            }
        }

        foreach (var outcome in ManagementOutcomes)
        {
            _managementRequests.Add(0, new KeyValuePair<string, object?>("outcome", outcome));
        }

        _deepgramKeyDeletions = meter.CreateCounter<long>("dgproxy.deepgram.key.deletions", description: "Retired customer Deepgram keys the retirement job tried to delete at Deepgram, by result (deleted, failed).");
        foreach (var result in DeepgramKeyDeletionResults)
        {
            _deepgramKeyDeletions.Add(0, new KeyValuePair<string, object?>("result", result));
        }
    }

    /// <summary>A final record reached Redis for the first time (direct, replayed, or the reaper's).
    /// <paramref name="durationMs"/> is null when the record has no duration.</summary>
    public void SessionFinalized(string closeReason, string customerId, long billableMs, long? durationMs)
    {
        var reason = new KeyValuePair<string, object?>("close_reason", closeReason);
        if (_customer.IsEnabled)
        {
            var customer = new KeyValuePair<string, object?>(CustomerLabel.Name, _customer.ValueFor(customerId));
            _sessions.Add(1, reason, customer);
            _billableSeconds.Add(billableMs / 1000.0, customer);
        }
        else
        {
            _sessions.Add(1, reason);
            _billableSeconds.Add(billableMs / 1000.0);
        }

        if (durationMs is { } duration)
        {
            _sessionDuration.Record(duration / 1000.0);
        }
    }

    /// <summary>A measurement replaced the reaper's estimate: the billable seconds move by the difference (another
    /// instance counted the estimate). A counter only grows, so a measurement shorter than its estimate (a clock
    /// step between heartbeat and close) leaves the counter that much above the records.</summary>
    public void BillableCorrected(string customerId, long correctionMs)
    {
        if (correctionMs <= 0)
        {
            return;
        }

        if (_customer.IsEnabled)
        {
            _billableSeconds.Add(correctionMs / 1000.0, new KeyValuePair<string, object?>(CustomerLabel.Name, _customer.ValueFor(customerId)));
        }
        else
        {
            _billableSeconds.Add(correctionMs / 1000.0);
        }
    }

    /// <summary>A finalized session's rated cost (or the increase a measurement brought over its estimate).</summary>
    public void CostRated(string currency, long micros)
    {
        if (micros > 0)
        {
            _costMicros.Add(micros, new KeyValuePair<string, object?>("currency", currency));
        }
    }

    /// <summary>A final record with a plan id reached Redis unrated (once per session, with <see cref="SessionFinalized"/>):
    /// its time is in the usage, its price is not.</summary>
    public void SessionUnrated() => _unratedSessions.Add(1);

    /// <summary>A session refused for a budget; <paramref name="scope"/> is <c>customer</c> or <c>key</c>.</summary>
    public void BudgetRefused(string scope) =>
        _budgetRefusals.Add(1, new KeyValuePair<string, object?>("scope", scope));

    /// <summary>A budget seen at 80 % of its month for the first time on this instance.</summary>
    public void BudgetWarned(string scope) =>
        _budgetWarnings.Add(1, new KeyValuePair<string, object?>("scope", scope));

    /// <summary>A live session closed for a budget with <c>budget_action</c> <c>close</c>.</summary>
    public void BudgetClosed(string scope) =>
        _budgetCloses.Add(1, new KeyValuePair<string, object?>("scope", scope));

    public void UpstreamConnected(TimeSpan elapsed, string result) =>
        _upstreamConnect.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("result", result));

    public void AdmissionRejected(string reason) =>
        _admissionRejected.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void AuthFailed(string reason) =>
        _authFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void IdleWarningSent() => _idleWarnings.Add(1);

    public void ForcedClose(string reason) =>
        _forcedCloses.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void ProtocolViolation(string side, string error) =>
        _protocolViolations.Add(1, new KeyValuePair<string, object?>("side", side), new KeyValuePair<string, object?>("error", error));

    public void RecordWritten(string record, string result, long count = 1) =>
        _recordWrites.Add(count, new KeyValuePair<string, object?>("record", record), new KeyValuePair<string, object?>("result", result));

    /// <summary>An outcome indicator was posted: <paramref name="result"/> is created, repeated or conflict.</summary>
    public void IndicatorPosted(string result) =>
        _indicators.Add(1, new KeyValuePair<string, object?>("result", result));

    /// <summary>A reconciliation finished: counted by its result and <paramref name="trigger"/>, and its figures become
    /// the gauges' values.</summary>
    public void ReconciliationCompleted(string trigger, long missingInRecords, long missingAtDeepgram, long driftTotalMs, long driftMaxMs)
    {
        var result = missingInRecords == 0 && missingAtDeepgram == 0 ? ReconciliationResultOk : ReconciliationResultMismatch;
        _reconciliationRuns.Add(1, new KeyValuePair<string, object?>("result", result), new KeyValuePair<string, object?>("trigger", trigger));
        Volatile.Write(ref _lastReconciliation, new ReconciliationFigures(missingInRecords, missingAtDeepgram, driftTotalMs, driftMaxMs));
    }

    /// <summary>The retirement job deleted a retired customer key at Deepgram (or found it gone), or failed to.</summary>
    public void DeepgramKeyDeletion(bool deleted) =>
        _deepgramKeyDeletions.Add(1, new KeyValuePair<string, object?>("result", deleted ? DeepgramKeyDeleted : DeepgramKeyDeletionFailed));

    /// <summary>A reconciliation could not finish; the gauges keep the last finished one.</summary>
    public void ReconciliationFailed(string trigger) =>
        _reconciliationRuns.Add(1, new KeyValuePair<string, object?>("result", ReconciliationResultFailed), new KeyValuePair<string, object?>("trigger", trigger));

    /// <summary>One call (one try) to Deepgram's management API ended with <paramref name="outcome"/>.</summary>
    public void DeepgramManagementRequest(string outcome) =>
        _managementRequests.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    private IEnumerable<Measurement<long>> ObserveMissing()
    {
        if (Volatile.Read(ref _lastReconciliation) is not { } last)
        {
            return [];
        }

        return
        [
            new Measurement<long>(last.MissingInRecords, new KeyValuePair<string, object?>("side", "records")),
            new Measurement<long>(last.MissingAtDeepgram, new KeyValuePair<string, object?>("side", "deepgram")),
        ];
    }

    private IEnumerable<Measurement<long>> ObserveDrift()
    {
        if (Volatile.Read(ref _lastReconciliation) is not { } last)
        {
            return [];
        }

        return
        [
            new Measurement<long>(last.DriftTotalMs, new KeyValuePair<string, object?>("stat", "total")),
            new Measurement<long>(last.DriftMaxMs, new KeyValuePair<string, object?>("stat", "max")),
        ];
    }

    private sealed record ReconciliationFigures(long MissingInRecords, long MissingAtDeepgram, long DriftTotalMs, long DriftMaxMs);
}
