namespace Proxy.Billing;

/// <summary>Reconciliation log events. EventIds 7650-7669 are reconciliation's: 7650-7651 here, 7652-7653
/// DeepgramManagementRetryHandler, 7654-7656 ScheduledReconciliation.</summary>
internal static partial class ReconciliationLog
{
    [LoggerMessage(EventId = 7650, Level = LogLevel.Information,
        Message = "Reconciliation {From}..{To} ({Scope}, {Trigger}): {Matched} matched, {MissingInRecords} Deepgram requests without a record, {MissingAtDeepgram} records not at Deepgram, duration drift total {DriftTotalMs} ms, max {DriftMaxMs} ms")]
    public static partial void Completed(ILogger logger, string from, string to, string scope, string trigger, long matched, long missingInRecords, long missingAtDeepgram, long driftTotalMs, long driftMaxMs);

    [LoggerMessage(EventId = 7651, Level = LogLevel.Warning,
        Message = "Reconciliation {From}..{To} ({Scope}, {Trigger}) failed")]
    public static partial void Failed(ILogger logger, string from, string to, string scope, string trigger, Exception exception);
}
