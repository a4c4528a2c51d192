using Proxy.Metering;
using Proxy.Telemetry;

namespace Proxy.Storage;

/// <summary>A written record's facts as the labels and values of <see cref="ProxyMetrics"/>, the same for every
/// writer (the record writer, the replay, the reaper).</summary>
internal static class SessionRecordMetrics
{
    public const string UnknownCloseReason = "unknown";

    /// <summary>A final record reached Redis for the first time.</summary>
    public static void SessionFinalized(this ProxyMetrics metrics, SessionRecord record)
    {
        metrics.SessionFinalized(record.CloseReason ?? UnknownCloseReason, record.CustomerId, record.BillableMs ?? 0, record.DurationMs);
        if (record is { Currency: { } currency, CostMicros: { } cost })
        {
            metrics.CostRated(currency, cost);
        }
        else if (record.PlanId is { Length: > 0 })
        {
            metrics.SessionUnrated();
        }
    }

    /// <summary>A measurement replaced the reaper's estimate of <paramref name="record"/>'s session.</summary>
    public static void Corrected(this ProxyMetrics metrics, SessionRecord record, FinalizeResult result)
    {
        metrics.BillableCorrected(record.CustomerId, result.BillableCorrectionMs);
        if (record.Currency is { } currency)
        {
            metrics.CostRated(currency, result.CostCorrectionMicros);
        }
    }

    /// <summary>The <c>record</c> label of a spool operation.</summary>
    public static string KindOf(string op) => op == SpoolEntry.Open ? RecordWriteKinds.Open : RecordWriteKinds.Final;
}
