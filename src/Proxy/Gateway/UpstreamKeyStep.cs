using Microsoft.Extensions.Options;
using Proxy.Customers;
using Proxy.Tunnel;

namespace Proxy.Gateway;

/// <summary>The Deepgram key the session goes upstream with: the customer's own (decrypted here, for this request
/// only) or the configured default.</summary>
internal sealed class UpstreamKeyStep : IAdmissionStep
{
    private readonly UpstreamKeyProtector _protector;
    private readonly IOptions<UpstreamOptions> _options;
    private readonly ILogger<UpstreamKeyStep> _logger;

    public UpstreamKeyStep(UpstreamKeyProtector protector, IOptions<UpstreamOptions> options, ILogger<UpstreamKeyStep> logger)
    {
        _protector = protector;
        _options = options;
        _logger = logger;
    }

    public ValueTask<AdmissionRefusal?> RunAsync(AdmissionRequest request) => ValueTask.FromResult(Choose(request));

    private AdmissionRefusal? Choose(AdmissionRequest request)
    {
        var customerId = request.Customer.CustomerId;
        var upstreamKey = _options.Value.ApiKey;
        if (request.Authentication?.ProtectedUpstreamKey is { } protectedKey)
        {
            // A key of an older master key is used but not rewritten here: that is POST /admin/v1/secrets/re-encrypt's
            // job, so the hot path never writes and a half-rolled rotation never seals a key under one others lack.
            var reading = _protector.Read(customerId, protectedKey);
            if (reading.Status != UpstreamKeyReadStatus.Decrypted)
            {
                if (reading.Status == UpstreamKeyReadStatus.UnknownMasterKey)
                {
                    GatewayLog.UpstreamKeyUnderUnknownMasterKey(_logger, customerId, reading.MasterKeyId!);
                }
                else
                {
                    GatewayLog.UpstreamKeyUnreadable(_logger, customerId);
                }

                return new AdmissionRefusal(StatusCodes.Status502BadGateway, "upstream_key_unreadable",
                    "The customer's Deepgram key cannot be used; the operator has been alerted.") { KeyId = request.Key.KeyId };
            }

            upstreamKey = reading.ApiKey;
        }

        if (string.IsNullOrEmpty(upstreamKey))
        {
            return new AdmissionRefusal(StatusCodes.Status502BadGateway, "upstream_key_missing",
                "No Deepgram key is configured for this customer and there is no default (Upstream:ApiKey).") { KeyId = request.Key.KeyId };
        }

        request.UpstreamKey = upstreamKey;
        return null;
    }
}
