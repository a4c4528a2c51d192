using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Proxy.Hosting;

/// <summary>Ready means: takes new sessions. Redis is down → not ready (keys cannot be checked); stopping → not ready.</summary>
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
            : !_readiness.IsRedisConnected ? HealthCheckResult.Unhealthy("redis unreachable")
            : HealthCheckResult.Healthy("accepting sessions");
        return Task.FromResult(result);
    }
}
