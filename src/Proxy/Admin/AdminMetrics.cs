using System.Diagnostics.Metrics;
using Proxy.Telemetry;

namespace Proxy.Admin;

/// <summary>The admin API's instruments: <c>dgproxy_admin_audit_write_failures_total</c>, audit entries Redis did not
/// take (each logged in full instead).</summary>
internal sealed class AdminMetrics
{
    private readonly Counter<long> _auditWriteFailures;

    public AdminMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(ProxyMetrics.MeterName);
        _auditWriteFailures = meter.CreateCounter<long>("dgproxy.admin.audit.write.failures",
            description: "Audit log entries that could not be written to Redis; each is logged at Error instead (event 5055).");

        // Present from the start at 0, so an alert on its increase sees the very first failure.
        _auditWriteFailures.Add(0);
    }

    public void AuditWriteFailed() => _auditWriteFailures.Add(1);
}
