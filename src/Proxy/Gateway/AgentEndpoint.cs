namespace Proxy.Gateway;

/// <summary>
/// The agent endpoint (Deepgram's own paths): the admission pipeline decides, a refusal is answered before anything
/// is sent upstream, and an admitted session is forwarded.
/// </summary>
internal sealed class AgentEndpoint
{
    private readonly AdmissionPipeline _admission;
    private readonly SessionForwarder _forwarder;
    private readonly GatewayServices _services;

    public AgentEndpoint(AdmissionPipeline admission, SessionForwarder forwarder, GatewayServices services)
    {
        _admission = admission;
        _forwarder = forwarder;
        _services = services;
    }

    public async Task HandleAsync(HttpContext context)
    {
        var request = new AdmissionRequest(context);
        if (await _admission.RunAsync(request).ConfigureAwait(false) is { } refusal)
        {
            await AdmissionRefusalWriter.WriteAsync(context, refusal, _services).ConfigureAwait(false);
            return;
        }

        try
        {
            await _forwarder.ForwardAsync(context, request).ConfigureAwait(false);
        }
        finally
        {
            // Only set when the session never reached the registry (a throw before it did).
            request.Slot?.Dispose();
        }
    }
}
