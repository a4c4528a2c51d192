using Proxy.Telemetry;

namespace Proxy.Billing;

/// <summary>What ran a reconciliation: an admin's <c>POST /admin/v1/reconcile</c>, or the schedule.</summary>
internal enum ReconciliationTrigger
{
    OnDemand,
    Scheduled,
}

internal static class ReconciliationTriggers
{
    /// <summary>The name in the report's <c>trigger</c> field and the metrics' <c>trigger</c> label.</summary>
    public static string Name(this ReconciliationTrigger trigger) => trigger == ReconciliationTrigger.Scheduled
        ? ProxyMetrics.ReconciliationTriggerScheduled
        : ProxyMetrics.ReconciliationTriggerOnDemand;
}
