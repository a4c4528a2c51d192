using Microsoft.Net.Http.Headers;
using Proxy.Customers;

namespace Proxy.Gateway;

/// <summary>
/// A browser names the page that opens a WebSocket in <c>Origin</c>; a customer with <c>allowed_origins</c> lets only
/// those pages use its keys (so a key lifted from one site does not work from another browser page). A request
/// without <c>Origin</c> is a server-side client, which could send any header it liked: it is let on.
/// </summary>
internal sealed class OriginStep : IAdmissionStep
{
    public const string NotAllowed = "origin_not_allowed";

    public ValueTask<AdmissionRefusal?> RunAsync(AdmissionRequest request)
    {
        var allowed = OriginSettings.AllowedOriginsOf(request.Customer.Settings);
        var origins = request.Http.Request.Headers[HeaderNames.Origin];
        if (allowed.AllowsAny || origins.Count == 0)
        {
            return ValueTask.FromResult<AdmissionRefusal?>(null);
        }

        // More than one Origin is no browser's request: refused like an origin not on the list.
        return origins is [{ } origin] && allowed.Allows(origin) ? ValueTask.FromResult<AdmissionRefusal?>(null) : Refuse(request);
    }

    private static ValueTask<AdmissionRefusal?> Refuse(AdmissionRequest request) =>
        ValueTask.FromResult<AdmissionRefusal?>(new AdmissionRefusal(StatusCodes.Status403Forbidden, NotAllowed, "This customer does not allow sessions from this origin.")
        {
            KeyId = request.Authentication?.Key?.KeyId,
        });
}
