using Proxy.Runtime;
using Proxy.Telemetry;

namespace Proxy.Gateway;

/// <summary>What every part of the agent endpoint reports to (the way eShop bundles an API's shared services):
/// the clock, the metrics, readiness (for the refusal's metric label) and the endpoint's log.</summary>
internal sealed class GatewayServices
{
    public GatewayServices(TimeProvider time, ProxyMetrics metrics, ProxyReadiness readiness, ILogger<AgentEndpoint> logger)
    {
        Time = time;
        Metrics = metrics;
        Readiness = readiness;
        Logger = logger;
    }

    public TimeProvider Time { get; }

    public ProxyMetrics Metrics { get; }

    public ProxyReadiness Readiness { get; }

    public ILogger Logger { get; }
}
