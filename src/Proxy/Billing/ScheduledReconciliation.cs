using Microsoft.Extensions.Options;
using Proxy.Storage;
using Proxy.Telemetry;

namespace Proxy.Billing;

/// <summary>
/// Runs the reconciliation of <c>POST /admin/v1/reconcile</c> without a body, over every customer, every
/// <c>Deepgram:ReconcileEvery</c> when <c>Deepgram:ProjectId</c> and <c>ManagementKey</c> are set: one instance at a
/// time (a lock in Redis with an expiry), over the window from where the last scheduled run ended to
/// <c>now − Deepgram:ReconcileLag</c> (<see cref="ReconciliationWindow"/>). The window's end is kept in Redis and moved
/// only after the run finished, so a failed run is redone, window and all, at the next tick, and a restart (of this
/// instance or of the cluster) continues without a gap or an overlap. The report becomes the last one
/// (<c>GET /admin/v1/reconcile/last</c>, <c>trigger</c> <c>scheduled</c>); runs count in
/// <c>dgproxy_reconciliation_runs_total{trigger="scheduled"}</c>.
/// </summary>
internal sealed partial class ScheduledReconciliation : BackgroundService
{
    private readonly DeepgramOptions _options;
    private readonly ReconciliationService _reconciliation;
    private readonly ReconciliationStore _store;
    private readonly ProxyMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<ScheduledReconciliation> _logger;
    private readonly LockedPeriodicJob? _job;

    public ScheduledReconciliation(
        IOptions<DeepgramOptions> options,
        ReconciliationService reconciliation,
        ReconciliationStore store,
        LockedPeriodicJobs jobs,
        ProxyMetrics metrics,
        TimeProvider time,
        ILogger<ScheduledReconciliation> logger)
    {
        _options = options.Value;
        _reconciliation = reconciliation;
        _store = store;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _job = _options.IsScheduled
            ? jobs.ScheduledReconciliation(_options.ReconcileEvery)
            : null;
    }

    /// <summary>One tick: if this instance holds the schedule's lock and a window has ended since the last run,
    /// reconciles it and moves the schedule on. Returns the report, or null when there was nothing to do here.</summary>
    public async Task<ReconciliationReport?> RunOnceAsync(CancellationToken cancellationToken)
    {
        if (_job is null || !await _job.TryHoldLockAsync().ConfigureAwait(false))
        {
            return null;
        }

        // Failures from here to the run are this job's; the run counts its own.
        ReconciliationPeriod? window;
        long? lastEndMs;
        try
        {
            lastEndMs = await _store.ReadScheduledToAsync().ConfigureAwait(false);
            window = ReconciliationWindow.Next(lastEndMs, _time.GetUtcNow().ToUnixTimeMilliseconds(), _options.ReconcileEvery, _options.ReconcileLag);
        }
        catch (Exception ex) when (StorageFailures.IsRedisFailure(ex))
        {
            _metrics.ReconciliationFailed(ReconciliationTrigger.Scheduled.Name());
            throw;
        }

        if (window is null)
        {
            return null;
        }

        var requests = await _reconciliation.FetchAsync(window, customerId: null, accessor: null, ReconciliationTrigger.Scheduled, cancellationToken).ConfigureAwait(false);
        var report = await _reconciliation.RunAsync(window, customerId: null, requests, ReconciliationTrigger.Scheduled, cancellationToken).ConfigureAwait(false);
        if (!await _store.AdvanceScheduledToAsync(lastEndMs, window.ToMs).ConfigureAwait(false))
        {
            ScheduleMovedMeanwhile(_logger, window.FromText, window.ToText);
        }

        return report;
    }

    /// <summary>Whether a whole interval has ended since the last scheduled window: then the first tick comes at once
    /// (a cluster started after a stop catches up), otherwise an interval after the start, so instances that restart
    /// often do not each run a short window (and a schedule never run before starts one interval in).</summary>
    public async Task<bool> IsOverdueAsync()
    {
        try
        {
            var lastEndMs = await _store.ReadScheduledToAsync().ConfigureAwait(false);
            var dueMs = _time.GetUtcNow().ToUnixTimeMilliseconds() - (long)(_options.ReconcileLag + _options.ReconcileEvery).TotalMilliseconds;
            return lastEndMs is { } last && last <= dueMs;
        }
        catch (Exception ex) when (StorageFailures.IsRedisFailure(ex))
        {
            return false;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_job is null)
        {
            return;
        }

        ScheduleStarted(_logger, _options.ReconcileEvery, _options.ReconcileLag);
        var overdue = await IsOverdueAsync().ConfigureAwait(false);
        await _job.RunAsync(RunOnceAsync, ex => RunFailed(_logger, _options.ReconcileEvery, ex.Message), firstPassAtOnce: overdue, stoppingToken).ConfigureAwait(false);
    }

    /// <summary>Stops the schedule and gives its lock up, so with an interval of an hour a rolling restart does not
    /// hold the runs back for the lock's three intervals.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_job is null)
        {
            return;
        }

        try
        {
            await _job.ReleaseLockAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (StorageFailures.IsRedisFailure(ex) || ex is OperationCanceledException)
        {
            // The lock expires by itself.
        }
    }

    [LoggerMessage(EventId = 7654, Level = LogLevel.Information,
        Message = "Scheduled reconciliation with Deepgram every {Every}, windows ending {Lag} before now (one instance at a time)")]
    private static partial void ScheduleStarted(ILogger logger, TimeSpan every, TimeSpan lag);

    [LoggerMessage(EventId = 7655, Level = LogLevel.Warning,
        Message = "Scheduled reconciliation failed ({Reason}); its window is tried again in {Every}")]
    private static partial void RunFailed(ILogger logger, TimeSpan every, string reason);

    [LoggerMessage(EventId = 7656, Level = LogLevel.Warning,
        Message = "Scheduled reconciliation {From}..{To} finished, but another instance moved the schedule meanwhile (the lock expired during the run); its end is left as that instance set it")]
    private static partial void ScheduleMovedMeanwhile(ILogger logger, string from, string to);
}
