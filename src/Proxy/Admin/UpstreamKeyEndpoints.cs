using System.Globalization;
using Proxy.Billing;
using Proxy.Customers;

namespace Proxy.Admin;

/// <summary>
/// A customer's own Deepgram key: set one (PUT), have the gateway create one through Deepgram's keys API (provision)
/// and replace it with a new one (rotate), or remove it (DELETE; sessions fall back to <c>Upstream:ApiKey</c>). A
/// provisioned key that is replaced or removed is deleted at Deepgram once the customer's live sessions that may use it
/// have ended; a key set by PUT is only forgotten (the operator owns it). No answer ever carries a key.
/// </summary>
internal static class UpstreamKeyEndpoints
{
    private const int MaxUpstreamKeyLength = 512;

    public static RouteGroupBuilder MapUpstreamKeyEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapPut("/customers/{customerId}/upstream-key", SetAsync);
        admin.MapDelete("/customers/{customerId}/upstream-key", ClearAsync);
        admin.MapPost("/customers/{customerId}/upstream-key/provision", ProvisionAsync)
            .WithName("ProvisionUpstreamKey")
            .WithSummary("Creates the customer's own Deepgram key through Deepgram's keys API")
            .WithDescription("Tagged with the customer id, stored encrypted, used from the customer's next session. 409 upstream_key_exists when it has one (rotate it), 404 when unknown; Deepgram's failures: 501 deepgram_management_not_configured, 502 deepgram_management_refused or deepgram_unavailable, 503 deepgram_rate_limited with Retry-After.")
            .Produces<UpstreamKeyProvisioned>(StatusCodes.Status201Created)
            .Produces<ErrorBody>(StatusCodes.Status404NotFound)
            .Produces<ErrorBody>(StatusCodes.Status409Conflict);
        admin.MapPost("/customers/{customerId}/upstream-key/rotate", RotateAsync)
            .WithName("RotateUpstreamKey")
            .WithSummary("Replaces the customer's Deepgram key with a new one created through Deepgram's keys API")
            .WithDescription("New sessions use the new key at once; a provisioned key it replaces is deleted at Deepgram once the sessions opened before have ended. 409 no_upstream_key without a key (provision one), 409 upstream_key_changed when another call changed it meanwhile; Deepgram's failures as for provision.")
            .Produces<UpstreamKeyProvisioned>()
            .Produces<ErrorBody>(StatusCodes.Status404NotFound)
            .Produces<ErrorBody>(StatusCodes.Status409Conflict);
        return admin;
    }

    private static async Task<IResult> SetAsync(string customerId, HttpRequest request, UpstreamKeyStore store, CustomerStore customers, UpstreamKeyProtector protector)
    {
        if (CustomerEndpoints.InvalidCustomerId(customerId) is { } invalid)
        {
            return invalid;
        }

        var (body, error) = await AdminResults.ReadBodyAsync(request, AdminJsonContext.Default.UpstreamKeyBody, new UpstreamKeyBody(null)).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        var apiKey = body!.ApiKey?.Trim();
        if (string.IsNullOrEmpty(apiKey) || apiKey.Length > MaxUpstreamKeyLength || apiKey.Any(char.IsWhiteSpace))
        {
            return AdminResults.Error(StatusCodes.Status400BadRequest, "invalid_body",
                $"api_key is required: the customer's Deepgram API key, one token of at most {MaxUpstreamKeyLength} characters.");
        }

        var (outcome, _) = await store.SwitchAsync(customerId, expectedCiphertext: null, protector.Protect(customerId, apiKey), UpstreamKeySources.Set, deepgramKeyId: null).ConfigureAwait(false);
        return await CustomerAsync(customerId, outcome, customers).ConfigureAwait(false);
    }

    private static async Task<IResult> ClearAsync(string customerId, UpstreamKeyStore store, CustomerStore customers)
    {
        if (CustomerEndpoints.InvalidCustomerId(customerId) is { } invalid)
        {
            return invalid;
        }

        var (outcome, _) = await store.SwitchAsync(customerId, expectedCiphertext: null, ciphertext: null, source: null, deepgramKeyId: null).ConfigureAwait(false);
        return await CustomerAsync(customerId, outcome, customers).ConfigureAwait(false);
    }

    private static async Task<IResult> ProvisionAsync(string customerId, HttpContext context, UpstreamKeyProvisioning provisioning)
    {
        if (CustomerEndpoints.InvalidCustomerId(customerId) is { } invalid)
        {
            return invalid;
        }

        try
        {
            var change = await provisioning.ProvisionAsync(customerId, context.RequestAborted).ConfigureAwait(false);
            return Answer(customerId, change, StatusCodes.Status201Created);
        }
        catch (DeepgramManagementException ex)
        {
            return DeepgramFailure(context, ex);
        }
    }

    private static async Task<IResult> RotateAsync(string customerId, HttpContext context, UpstreamKeyProvisioning provisioning)
    {
        if (CustomerEndpoints.InvalidCustomerId(customerId) is { } invalid)
        {
            return invalid;
        }

        try
        {
            var change = await provisioning.RotateAsync(customerId, context.RequestAborted).ConfigureAwait(false);
            return Answer(customerId, change, StatusCodes.Status200OK);
        }
        catch (DeepgramManagementException ex)
        {
            return DeepgramFailure(context, ex);
        }
    }

    private static IResult Answer(string customerId, UpstreamKeyChange change, int doneStatus) => change.Outcome switch
    {
        UpstreamKeyChangeOutcome.Done => AdminResults.Json(
            new UpstreamKeyProvisioned(customerId, change.DeepgramKeyId!, change.RetiredDeepgramKeyId), AdminJsonContext.Default.UpstreamKeyProvisioned, doneStatus),
        UpstreamKeyChangeOutcome.AlreadyHasKey => AdminResults.Error(StatusCodes.Status409Conflict, "upstream_key_exists",
            $"Customer '{customerId}' has a Deepgram key already: replace it with POST /admin/v1/customers/{customerId}/upstream-key/rotate."),
        UpstreamKeyChangeOutcome.NoKey => AdminResults.Error(StatusCodes.Status409Conflict, "no_upstream_key",
            $"Customer '{customerId}' has no Deepgram key of its own to rotate: create one with POST /admin/v1/customers/{customerId}/upstream-key/provision."),
        UpstreamKeyChangeOutcome.Changed => AdminResults.Error(StatusCodes.Status409Conflict, "upstream_key_changed",
            $"Customer '{customerId}''s Deepgram key changed while this ran (another call won); the key created for this call was deleted. Look at the customer and try again."),
        _ => AdminResults.NotFound($"No customer '{customerId}'."),
    };

    /// <summary>Deepgram's answer, told apart so a script knows whether to fix the configuration, wait or retry.</summary>
    private static IResult DeepgramFailure(HttpContext context, DeepgramManagementException ex)
    {
        switch (ex.Failure)
        {
            case DeepgramManagementFailure.NotConfigured:
                return AdminResults.Error(StatusCodes.Status501NotImplemented, "deepgram_management_not_configured", ex.Message);
            case DeepgramManagementFailure.Refused:
                return AdminResults.Error(StatusCodes.Status502BadGateway, "deepgram_management_refused", ex.Message);
            case DeepgramManagementFailure.RateLimited:
                var seconds = ex.RetryAfter is { } after && after > TimeSpan.Zero ? (long)Math.Ceiling(after.TotalSeconds) : 1;
                context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                return AdminResults.Error(StatusCodes.Status503ServiceUnavailable, "deepgram_rate_limited", ex.Message);
            default:
                return AdminResults.Error(StatusCodes.Status502BadGateway, "deepgram_unavailable", ex.Message);
        }
    }

    private static async Task<IResult> CustomerAsync(string customerId, UpstreamKeySwitchOutcome outcome, CustomerStore customers) =>
        outcome == UpstreamKeySwitchOutcome.NotFound || await customers.GetAsync(customerId).ConfigureAwait(false) is not { } customer
            ? AdminResults.NotFound($"No customer '{customerId}'.")
            : AdminResults.Json(CustomerEndpoints.View(customer), AdminJsonContext.Default.CustomerView);
}
