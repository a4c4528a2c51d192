namespace Proxy.Gateway;

/// <summary>
/// The agent endpoint's admission, in order: the WebSocket handshake, the instance's readiness, the client's
/// credential, its customer, the page it comes from (Origin), the upstream URL (a customer's pin), the upstream key, the monthly budgets, then the lease (the customer's and the instance's
/// concurrency). The cheap, local checks come first; the lease last, so a refused client never holds a place.
/// </summary>
internal sealed class AdmissionPipeline
{
    private readonly IAdmissionStep[] _steps;

    public AdmissionPipeline(IEnumerable<IAdmissionStep> steps)
    {
        _steps = [.. steps];
    }

    /// <summary>The agent endpoint's pipeline, in its order.</summary>
    public static AdmissionPipeline Create(IServiceProvider services) => new(
    [
        services.GetRequiredService<HandshakeStep>(),
        services.GetRequiredService<ReadinessStep>(),
        services.GetRequiredService<CredentialStep>(),
        services.GetRequiredService<CustomerStep>(),
        services.GetRequiredService<OriginStep>(),
        services.GetRequiredService<UpstreamUrlStep>(),
        services.GetRequiredService<UpstreamKeyStep>(),
        services.GetRequiredService<BudgetStep>(),
        services.GetRequiredService<LeaseStep>(),
    ]);

    public IReadOnlyList<IAdmissionStep> Steps => _steps;

    /// <summary>Runs the steps until one refuses. On admission the request holds the session's identity and slot.</summary>
    public async ValueTask<AdmissionRefusal?> RunAsync(AdmissionRequest request)
    {
        try
        {
            foreach (var step in _steps)
            {
                if (await step.RunAsync(request).ConfigureAwait(false) is { } refusal)
                {
                    ReleaseSlot(request);
                    return refusal;
                }
            }

            return null;
        }
        catch
        {
            ReleaseSlot(request);
            throw;
        }
    }

    private static void ReleaseSlot(AdmissionRequest request)
    {
        request.Slot?.Dispose();
        request.Slot = null;
    }
}
