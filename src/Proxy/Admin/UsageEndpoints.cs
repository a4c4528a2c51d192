using System.Globalization;
using Proxy.Billing;

namespace Proxy.Admin;

/// <summary>Usage reports for finance: a customer's usage per day, per proxy key or per model, as JSON or CSV, from the
/// per-day aggregates (README, "Admin API").</summary>
internal static class UsageEndpoints
{
    public static RouteGroupBuilder MapUsageEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapGet("/usage", GetUsageAsync);
        return admin;
    }

    private static async Task<IResult> GetUsageAsync(HttpContext context, UsageStore store, TimeProvider time)
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        if (!UsageQuery.TryParse(context.Request.Query, today, out var query, out var invalid))
        {
            return AdminResults.Error(StatusCodes.Status400BadRequest, invalid.Error, invalid.Message);
        }

        var days = await store.ReadAsync(query.CustomerId, query.Range).ConfigureAwait(false);
        UsageReport? report;
        IReadOnlyList<UsageCurrencySpan> currencies;
        try
        {
            if (!UsageReport.TryBuild(query.CustomerId, query.Range, query.Grouping, days, out report, out currencies))
            {
                var spans = string.Join(", ", currencies.Select(c => $"{c.Currency} {c.FirstDay:yyyy-MM-dd}..{c.LastDay:yyyy-MM-dd}"));
                return AdminResults.Error(StatusCodes.Status409Conflict, "mixed_currencies",
                    $"The usage of '{query.CustomerId}' in this range is in more than one currency ({spans}): ask for each currency's days separately.");
            }
        }
        catch (InvalidDataException ex)
        {
            return AdminResults.Error(StatusCodes.Status500InternalServerError, "invalid_usage_data", ex.Message);
        }

        if (query.Format == UsageFormat.Json)
        {
            return AdminResults.Json(report, AdminJsonContext.Default.UsageReport);
        }

        var fileName = string.Create(CultureInfo.InvariantCulture, $"usage-{query.CustomerId}-{query.Range.From:yyyy-MM-dd}-{query.Range.To:yyyy-MM-dd}.csv");
        context.Response.Headers.ContentDisposition = $"attachment; filename={fileName}";
        return Results.Stream(body => UsageCsvWriter.WriteAsync(report, body, context.RequestAborted), UsageCsvWriter.ContentType);
    }
}
