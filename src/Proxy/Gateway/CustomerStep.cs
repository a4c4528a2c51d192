using Proxy.Customers;
using Proxy.Sessions;
using Proxy.Telemetry;

namespace Proxy.Gateway;

/// <summary>The key's customer must be enabled; its settings (over the defaults) become the session's rules.</summary>
internal sealed class CustomerStep : IAdmissionStep
{
    private readonly SessionPolicyResolver _policies;
    private readonly ProxyMetrics _metrics;

    public CustomerStep(SessionPolicyResolver policies, ProxyMetrics metrics)
    {
        _policies = policies;
        _metrics = metrics;
    }

    public ValueTask<AdmissionRefusal?> RunAsync(AdmissionRequest request)
    {
        if (request.Authentication?.Outcome == KeyAuthenticationOutcome.CustomerDisabled)
        {
            _metrics.AuthFailed("customer_disabled");
            return ValueTask.FromResult<AdmissionRefusal?>(new AdmissionRefusal(StatusCodes.Status403Forbidden, "customer_disabled", "The customer of this key is disabled.")
            {
                KeyId = request.Authentication.Key?.KeyId,
            });
        }

        request.Policy = _policies.Resolve(request.Customer.Settings);
        return ValueTask.FromResult<AdmissionRefusal?>(null);
    }
}
