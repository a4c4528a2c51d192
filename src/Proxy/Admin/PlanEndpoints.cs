using Proxy.Billing;
using Proxy.Customers;

namespace Proxy.Admin;

/// <summary>Versioned plans: a put makes a new version (sessions are rated by the version in force when they
/// opened), a delete is refused while a customer is on the plan and keeps the versions that rated records.</summary>
internal static class PlanEndpoints
{
    private const int MaxCustomersNamed = 20;

    public static RouteGroupBuilder MapPlanEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapGet("/plans", ListPlansAsync);
        admin.MapPut("/plans/{planId}", PutPlanAsync);
        admin.MapGet("/plans/{planId}", GetPlanAsync);
        admin.MapGet("/plans/{planId}/versions", ListVersionsAsync);
        admin.MapDelete("/plans/{planId}", DeletePlanAsync);
        return admin;
    }

    private static async Task<IResult> PutPlanAsync(string planId, HttpRequest request, PlanStore store)
    {
        if (InvalidPlanId(planId) is { } invalid)
        {
            return invalid;
        }

        var (body, error) = await AdminResults.ReadBodyAsync(request, AdminJsonContext.Default.PlanDocument, new PlanDocument()).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        var validation = PlanDocumentValidator.Validate(planId, body!);
        if (validation.Plan is not { } terms)
        {
            return AdminResults.Error(StatusCodes.Status400BadRequest, "invalid_body", validation.Message!);
        }

        var put = await store.PutAsync(terms).ConfigureAwait(false);
        if (put.Created is not { } created)
        {
            return AdminResults.Error(StatusCodes.Status409Conflict, "currency_mismatch",
                $"Plan '{planId}' is priced in {put.CurrencyInForce}; a plan keeps its currency (its customers have one each). Put a new plan in {terms.Currency} and assign it to the customers instead.");
        }

        return AdminResults.Json(PlanDocument.From(created), AdminJsonContext.Default.PlanDocument, StatusCodes.Status201Created);
    }

    /// <summary>Every live plan's current version, as GET /plans/{planId} answers it, by plan id.</summary>
    private static async Task<IResult> ListPlansAsync(PlanStore store)
    {
        var plans = await store.ListCurrentAsync().ConfigureAwait(false);
        return AdminResults.Json(new PlanList([.. plans.Select(p => PlanDocument.From(p))]), AdminJsonContext.Default.PlanList);
    }

    private static async Task<IResult> GetPlanAsync(string planId, PlanStore store)
    {
        if (InvalidPlanId(planId) is { } invalid)
        {
            return invalid;
        }

        return await store.CurrentAsync(planId).ConfigureAwait(false) is { } current
            ? AdminResults.Json(PlanDocument.From(current), AdminJsonContext.Default.PlanDocument)
            : AdminResults.NotFound($"No plan '{planId}'.");
    }

    private static async Task<IResult> ListVersionsAsync(string planId, PlanStore store)
    {
        if (InvalidPlanId(planId) is { } invalid)
        {
            return invalid;
        }

        return await store.VersionsAsync(planId).ConfigureAwait(false) is { } versions
            ? AdminResults.Json(new PlanVersionList(planId, [.. versions.Select(v => PlanDocument.From(v))]), AdminJsonContext.Default.PlanVersionList)
            : AdminResults.NotFound($"No plan '{planId}'.");
    }

    /// <summary>Refused with 409 plan_in_use while any customer's <c>plan</c> names it. A customer assigned the plan
    /// at the same moment as the delete is not seen (customers and plans are separate keys); its sessions then go
    /// unrated, as with any label that names no plan, until the plan is put again.</summary>
    private static async Task<IResult> DeletePlanAsync(string planId, PlanStore store, CustomerStore customers)
    {
        if (InvalidPlanId(planId) is { } invalid)
        {
            return invalid;
        }

        var users = (await customers.ListAsync().ConfigureAwait(false))
            .Where(c => c.Plan == planId)
            .Select(c => c.CustomerId)
            .ToList();
        if (users.Count > 0)
        {
            var named = string.Join(", ", users.Take(MaxCustomersNamed)) + (users.Count > MaxCustomersNamed ? ", …" : string.Empty);
            return AdminResults.Error(StatusCodes.Status409Conflict, "plan_in_use",
                $"Plan '{planId}' is the plan of {users.Count} customer(s) ({named}); assign them another plan first.");
        }

        return await store.DeleteAsync(planId).ConfigureAwait(false)
            ? Results.NoContent()
            : AdminResults.NotFound($"No plan '{planId}'.");
    }

    private static IResult? InvalidPlanId(string planId) =>
        CustomerIds.IsValid(planId)
            ? null
            : AdminResults.Error(StatusCodes.Status400BadRequest, "invalid_plan_id", $"A plan id is {CustomerIds.Rule}.");
}
