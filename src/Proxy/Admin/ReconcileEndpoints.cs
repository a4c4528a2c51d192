using System.Globalization;
using Proxy.Billing;

namespace Proxy.Admin;

/// <summary>
/// Reconciliation with Deepgram's own records (README, "Reconciliation"): the operator uploads Deepgram's requests list
/// for a period and gets back what matched and what is missing on either side; the last report stays readable.
/// </summary>
internal static class ReconcileEndpoints
{
    public static RouteGroupBuilder MapReconcileEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapPost("/reconcile", ReconcileAsync).WithName("Reconcile");
        admin.MapGet("/reconcile/last", LastAsync).WithName("LastReconciliation");
        return admin;
    }

    private static async Task<IResult> ReconcileAsync(HttpRequest request, ReconciliationService reconciliation)
    {
        if (!ReconcileQuery.TryParse(request.Query, out var query, out var invalid))
        {
            return AdminResults.Error(StatusCodes.Status400BadRequest, invalid.Error, invalid.Message);
        }

        // Kestrel's request body limit bounds this copy; a larger list is uploaded in shorter periods.
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, request.HttpContext.RequestAborted).ConfigureAwait(false);
        IReadOnlyList<DeepgramRequest>? requests;
        if (body.Length > 0)
        {
            if (!DeepgramRequestsParser.TryParse(body.GetBuffer().AsMemory(0, (int)body.Length), out requests, out var problem))
            {
                return AdminResults.Error(StatusCodes.Status400BadRequest, "invalid_requests_list", problem);
            }
        }
        else if (!reconciliation.CanFetch)
        {
            return AdminResults.Error(StatusCodes.Status400BadRequest, "body_required",
                "Upload Deepgram's requests list for the period as the body (one page {\"page\",\"limit\",\"requests\":[…]} or an array of pages, "
                + "as GET https://api.deepgram.com/v1/projects/<project>/requests?endpoint=agent answers it), or set Deepgram:ProjectId and Deepgram:ManagementKey so the gateway fetches it.");
        }
        else
        {
            requests = null;
        }

        if (query.CustomerId is { } customer && !await reconciliation.IsKnownCustomerAsync(customer).ConfigureAwait(false))
        {
            return AdminResults.NotFound($"No customer '{customer}'.");
        }

        if (requests is null)
        {
            try
            {
                requests = await reconciliation.FetchAsync(query.Period, query.CustomerId, query.Accessor, ReconciliationTrigger.OnDemand, request.HttpContext.RequestAborted).ConfigureAwait(false);
            }
            catch (DeepgramRequestsException ex)
            {
                return DeepgramFailed(request.HttpContext.Response, ex);
            }
        }

        var report = await reconciliation.RunAsync(query.Period, query.CustomerId, requests, ReconciliationTrigger.OnDemand, request.HttpContext.RequestAborted).ConfigureAwait(false);
        return Results.Json(report, ReconciliationJsonContext.Default.ReconciliationReport);
    }

    /// <summary>What Deepgram's management API left us with once its retries ran out: a refused key (the operator
    /// fixes the key), a 429 (come back after its <c>Retry-After</c>), or Deepgram failing.</summary>
    private static IResult DeepgramFailed(HttpResponse response, DeepgramRequestsException failure)
    {
        switch (failure.Failure)
        {
            case DeepgramManagementFailure.Refused:
                return AdminResults.Error(StatusCodes.Status502BadGateway, "deepgram_management_refused", failure.Message);
            case DeepgramManagementFailure.RateLimited:
                // At least a second: "Retry-After: 0" would invite a client to hammer.
                var seconds = failure.RetryAfter is { } after ? Math.Max(1, (long)Math.Ceiling(after.TotalSeconds)) : 1;
                response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                return AdminResults.Error(StatusCodes.Status503ServiceUnavailable, "deepgram_rate_limited", failure.Message);
            default:
                return AdminResults.Error(StatusCodes.Status502BadGateway, "deepgram_unavailable", failure.Message);
        }
    }

    private static async Task<IResult> LastAsync(HttpRequest request, ReconciliationService reconciliation)
    {
        var customer = request.Query["customer"].ToString();
        if (customer.Length > 0 && CustomerEndpoints.InvalidCustomerId(customer) is { } invalid)
        {
            return invalid;
        }

        var json = await reconciliation.LastAsync(customer.Length > 0 ? customer : null).ConfigureAwait(false);
        return json is null
            ? AdminResults.NotFound(customer.Length > 0 ? $"No reconciliation of customer '{customer}' yet." : "No reconciliation over all customers yet.")
            : Results.Text(json, "application/json", System.Text.Encoding.UTF8);
    }
}
