using Microsoft.Extensions.Diagnostics.HealthChecks;
using Proxy.Runtime;

namespace Proxy.Hosting;

/// <summary>Ready means: takes new sessions. Degraded (still 200) while Redis is down under fail_open.</summary>
internal sealed class ReadinessHealthCheck : IHealthCheck
{
    private readonly ProxyReadiness _readiness;

    public ReadinessHealthCheck(ProxyReadiness readiness)
    {
        _readiness = readiness;
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var result = _readiness.IsStopping ? HealthCheckResult.Unhealthy("stopping")
            : _readiness.IsRedisConnected ? HealthCheckResult.Healthy("accepting sessions")
            : !_readiness.FailOpen ? HealthCheckResult.Unhealthy("redis unreachable (fail_closed)")
            : _readiness.IsSpoolFull ? HealthCheckResult.Unhealthy("redis unreachable and the record spool is full")
            : HealthCheckResult.Degraded("redis unreachable: records go to the local spool (fail_open)");
        return Task.FromResult(result);
    }
}
