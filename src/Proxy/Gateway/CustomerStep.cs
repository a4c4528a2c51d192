using Proxy.Sessions;

namespace Proxy.Gateway;

/// <summary>The key's customer must be enabled; its settings (over the defaults) become the session's rules.</summary>
internal sealed class CustomerStep : IAdmissionStep
{
    private readonly SessionPolicyResolver _policies;
    private readonly CredentialRefusals _refusals;

    public CustomerStep(SessionPolicyResolver policies, CredentialRefusals refusals)
    {
        _policies = policies;
        _refusals = refusals;
    }

    public ValueTask<AdmissionRefusal?> RunAsync(AdmissionRequest request)
    {
        if (request.Authentication is { } auth && _refusals.ForCustomer(auth) is { } refusal)
        {
            return ValueTask.FromResult<AdmissionRefusal?>(refusal);
        }

        request.Policy = _policies.Resolve(request.Customer.Settings);
        return ValueTask.FromResult<AdmissionRefusal?>(null);
    }
}
