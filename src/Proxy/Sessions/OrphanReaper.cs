using Microsoft.Extensions.Options;
using Proxy.Customers;
using Proxy.Tunnel;
using Proxy.Metering;
using Proxy.Storage;
using Proxy.Telemetry;

namespace Proxy.Sessions;

/// <summary>
/// Finalizes the sessions of instances that died. A live session's lease is renewed every heartbeat; one that
/// expired belongs to an instance that stopped (crash, kill -9, lost network). One instance at a time (a lock with an
/// expiry in Redis) finalizes those still open as <c>orphaned</c>, <c>estimated=true</c>, closed at their last
/// heartbeat. If the owner was only cut off and finalizes later, its measurement replaces the estimate (usage moves
/// by the difference, the record's version goes up). Each pass also appends the records stream entries still owed.
/// </summary>
internal sealed partial class OrphanReaper : BackgroundService
{
    private readonly LockedPeriodicJob _job;
    private readonly RedisConnectionState _connection;
    private readonly IOptionsMonitor<SessionControlOptions> _sessions;
    private readonly CustomerStore _customers;
    private readonly SessionLeaseStore _leases;
    private readonly SessionRecordStore _records;
    private readonly FinalRecordCommitter _finals;
    private readonly ProxyMetrics _metrics;
    private readonly ILogger<OrphanReaper> _logger;

    public OrphanReaper(
        LockedPeriodicJobs jobs,
        RedisConnectionState connection,
        IOptionsMonitor<SessionControlOptions> sessions,
        CustomerStore customers,
        SessionLeaseStore leases,
        SessionRecordStore records,
        FinalRecordCommitter finals,
        ProxyMetrics metrics,
        ILogger<OrphanReaper> logger)
    {
        _job = jobs.OrphanReaper;
        _connection = connection;
        _sessions = sessions;
        _customers = customers;
        _leases = leases;
        _records = records;
        _finals = finals;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>One pass, if this instance holds the reaper lock; returns how many sessions it finalized.</summary>
    public async Task<int> ReapAsync()
    {
        // Right after Redis comes back every lease looks expired, live ones too: wait one lease period, in which
        // every instance still alive renews its sessions' leases. On a cluster, a master that failed over is gone
        // for good: the wait starts once its replica serves its slots.
        if (_connection.ConnectedFor < _sessions.CurrentValue.LeaseTtl)
        {
            await _connection.RecheckDownNodesAsync().ConfigureAwait(false);
            return 0;
        }

        if (!await _job.TryHoldLockAsync().ConfigureAwait(false))
        {
            return 0;
        }

        var reaped = 0;

        // All customers' expired leases (by Redis's clock) in one pipelined round trip: a pass costs Redis a lookup
        // per customer, not a round trip per customer.
        var customerIds = await _customers.ListIdsAsync().ConfigureAwait(false);
        var expiredPerCustomer = await Task.WhenAll(customerIds.Select(_leases.ExpiredAsync)).ConfigureAwait(false);
        for (var i = 0; i < customerIds.Count; i++)
        {
            var customerId = customerIds[i];
            foreach (var sessionId in expiredPerCustomer[i])
            {
                var found = await _records.GetManyAsync(customerId, [sessionId]).ConfigureAwait(false);
                var open = found.Count > 0 ? found[0] : null;
                if (open is { Status: SessionStatus.Open })
                {
                    // Priced like any final record; a plan that cannot be read now fails the pass, retried at the next.
                    var (written, final) = await _finals.CommitAsync(Estimate(open)).ConfigureAwait(false);
                    if (written.Outcome == FinalizeOutcome.Finalized)
                    {
                        reaped++;
                        _metrics.RecordWritten(SpoolEntry.Final, RecordWriteResults.Ok);
                        _metrics.SessionFinalized(final);
                        Reaped(_logger, final.SessionId, final.CustomerId, open.InstanceId, final.DurationMs, final.BillableMs);
                    }
                }
                else
                {
                    await _leases.ReleaseAsync(customerId, sessionId).ConfigureAwait(false);
                }
            }
        }

        // Stream entries owed by a writer that failed or died between its finalize and its append (this reaper's
        // own included): owed for two passes means nobody else is about to append them.
        var grace = 2 * _job.Interval;
        var appended = await Task.WhenAll(customerIds.Select(id => _records.AppendOwedAsync(id, grace))).ConfigureAwait(false);
        if (appended.Sum() is var total and > 0)
        {
            OwedAppended(_logger, total);
        }

        return reaped;
    }

    /// <summary>The final record of a session nobody is left to measure: closed at its last sign of life, by nobody
    /// (no Close was seen), the connection taken as dropped, with the indicators posted during the call.</summary>
    internal static SessionRecord Estimate(SessionRecord open)
    {
        var lastSeen = open.LastSeenMs ?? open.UpstreamOpenedAtMs ?? open.ClientOpenedAtMs;
        return SessionRecordBuilder.Build(SessionFacts.FromRecord(open) with
        {
            End = new SessionEnd
            {
                UpstreamClosedAtMs = open.UpstreamOpenedAtMs is null ? null : lastSeen,
                ClientClosedAtMs = lastSeen,
                CloseReason = CloseReasons.Orphaned,
                CloseCode = WebSocketCloseCodes.AbnormalClosure,
                CloseInitiator = CloseInitiators.None,
                Estimated = true,
            },
        }) with { Indicators = open.Indicators };
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        _job.RunAsync(_ => ReapAsync(), ex => ReapFailed(_logger, ex.Message), firstPassAtOnce: false, stoppingToken);

    [LoggerMessage(EventId = 5100, Level = LogLevel.Warning, Message = "Reaped orphaned session {SessionId} of customer {CustomerId} (instance {InstanceId} stopped renewing it): estimated duration {DurationMs} ms, billable {BillableMs} ms")]
    private static partial void Reaped(ILogger logger, string sessionId, string customerId, string instanceId, long? durationMs, long? billableMs);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "Appended {Count} records stream entries that their writers owed (failed or died between the finalize and the append)")]
    private static partial void OwedAppended(ILogger logger, int count);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Warning, Message = "Reaper pass failed, next one in a moment: {Reason}")]
    private static partial void ReapFailed(ILogger logger, string reason);
}
