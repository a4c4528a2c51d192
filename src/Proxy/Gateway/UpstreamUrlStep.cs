using Proxy.Customers;
using Proxy.Tunnel;

namespace Proxy.Gateway;

/// <summary>Where the session goes: <c>Upstream:Url</c>, or the customer's pinned <c>upstream_url</c> (e.g.
/// Deepgram's EU endpoint) while the allowlist still holds it. A pin taken off the list refuses the session rather
/// than sending it elsewhere: a customer is pinned for a reason (where its audio may be processed).</summary>
internal sealed class UpstreamUrlStep : IAdmissionStep
{
    public const string NotAllowed = "upstream_url_not_allowed";

    private readonly UpstreamUrlAllowList _allowList;
    private readonly ILogger<UpstreamUrlStep> _logger;

    public UpstreamUrlStep(UpstreamUrlAllowList allowList, ILogger<UpstreamUrlStep> logger)
    {
        _allowList = allowList;
        _logger = logger;
    }

    public ValueTask<AdmissionRefusal?> RunAsync(AdmissionRequest request)
    {
        if (UpstreamSettings.UpstreamUrl.Read(request.Customer.Settings) is not { } pinned)
        {
            return ValueTask.FromResult<AdmissionRefusal?>(null);
        }

        if (!_allowList.Allows(pinned))
        {
            GatewayLog.PinnedUpstreamNotAllowed(_logger, request.Customer.CustomerId, pinned.Url);
            return ValueTask.FromResult<AdmissionRefusal?>(new AdmissionRefusal(StatusCodes.Status502BadGateway, NotAllowed,
                "The customer is pinned to an upstream the gateway no longer allows; the operator has been alerted.") { KeyId = request.Key.KeyId });
        }

        request.UpstreamBaseUrl = UpstreamOptions.ToHttpBaseUrl(pinned.Url);
        return ValueTask.FromResult<AdmissionRefusal?>(null);
    }
}
