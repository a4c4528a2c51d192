using Proxy.Runtime;

namespace Proxy.Gateway;

/// <summary>An instance that is stopping, or has not reached its storage yet, sends clients elsewhere.</summary>
internal sealed class ReadinessStep : IAdmissionStep
{
    private readonly ProxyReadiness _readiness;

    public ReadinessStep(ProxyReadiness readiness)
    {
        _readiness = readiness;
    }

    public ValueTask<AdmissionRefusal?> RunAsync(AdmissionRequest request) => ValueTask.FromResult(
        _readiness.IsReady
            ? null
            : new AdmissionRefusal(StatusCodes.Status503ServiceUnavailable, "not_ready",
                _readiness.IsStopping ? "This proxy instance is shutting down; reconnect." : "The proxy cannot reach its storage yet; retry shortly."));
}
