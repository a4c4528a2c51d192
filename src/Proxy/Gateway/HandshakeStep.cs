using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace Proxy.Gateway;

/// <summary>Only a well-formed WebSocket (version 13) upgrade request gets further.</summary>
internal sealed class HandshakeStep : IAdmissionStep
{
    public ValueTask<AdmissionRefusal?> RunAsync(AdmissionRequest request) => ValueTask.FromResult(Check(request));

    private static AdmissionRefusal? Check(AdmissionRequest admission)
    {
        var request = admission.Http.Request;
        var headers = request.Headers;
        var upgrade = admission.Http.Features.Get<IHttpUpgradeFeature>();
        if (!HttpMethods.IsGet(request.Method)
            || !string.Equals(headers.Upgrade.ToString(), "websocket", StringComparison.OrdinalIgnoreCase)
            || upgrade is not { IsUpgradableRequest: true })
        {
            return new AdmissionRefusal(StatusCodes.Status426UpgradeRequired, "websocket_required",
                "This endpoint only accepts WebSocket upgrade requests (GET with Connection: Upgrade, Upgrade: websocket).")
            {
                Headers = [new(HeaderNames.Upgrade, "websocket"), new(HeaderNames.Connection, "Upgrade")],
            };
        }

        if (headers.SecWebSocketVersion.ToString() != "13")
        {
            return new AdmissionRefusal(StatusCodes.Status426UpgradeRequired, "unsupported_websocket_version",
                "Only WebSocket version 13 is supported.")
            {
                Headers = [new(HeaderNames.SecWebSocketVersion, "13")],
            };
        }

        if (!IsValidWebSocketKey(headers.SecWebSocketKey.ToString()))
        {
            return new AdmissionRefusal(StatusCodes.Status400BadRequest, "invalid_websocket_key", "Sec-WebSocket-Key must be the base64 of 16 bytes.");
        }

        admission.Upgrade = upgrade;
        return null;
    }

    private static bool IsValidWebSocketKey(string key)
    {
        Span<byte> decoded = stackalloc byte[18];
        return key.Length == 24 && Convert.TryFromBase64String(key, decoded, out var written) && written == 16;
    }
}
