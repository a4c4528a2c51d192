using Microsoft.Net.Http.Headers;
using Proxy.Billing;

namespace Proxy.Admin;

/// <summary>A customer's invoice per UTC month, as JSON or a printable HTML page, and finalizing a month that has
/// ended (README, "Admin API").</summary>
internal static class InvoiceEndpoints
{
    public static RouteGroupBuilder MapInvoiceEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapGet("/customers/{customerId}/invoices/{month}", GetAsync);
        admin.MapPost("/customers/{customerId}/invoices/{month}/finalize", FinalizeAsync);
        return admin;
    }

    private static async Task<IResult> GetAsync(string customerId, string month, HttpContext context, InvoiceService invoices)
    {
        if (Invalid(customerId, month, out var parsed) is { } invalid)
        {
            return invalid;
        }

        if (!TryChooseHtml(context.Request, out var html))
        {
            return AdminResults.Error(StatusCodes.Status400BadRequest, "invalid_format", "format must be json or html.");
        }

        try
        {
            var invoice = await invoices.GetAsync(customerId, parsed).ConfigureAwait(false);
            return html ? Results.Text(InvoiceHtml.Render(invoice), InvoiceHtml.ContentType) : Json(invoice);
        }
        catch (InvalidDataException ex)
        {
            return AdminResults.Error(StatusCodes.Status500InternalServerError, "invalid_usage_data", ex.Message);
        }
    }

    private static async Task<IResult> FinalizeAsync(string customerId, string month, InvoiceService invoices)
    {
        if (Invalid(customerId, month, out var parsed) is { } invalid)
        {
            return invalid;
        }

        try
        {
            var invoice = await invoices.FinalizeAsync(customerId, parsed).ConfigureAwait(false);
            return invoice is null
                ? AdminResults.Error(StatusCodes.Status409Conflict, "month_open",
                    $"{month} has not ended (UTC): only a month that has ended can be finalized.")
                : Json(invoice);
        }
        catch (InvalidDataException ex)
        {
            return AdminResults.Error(StatusCodes.Status500InternalServerError, "invalid_usage_data", ex.Message);
        }
    }

    private static IResult? Invalid(string customerId, string month, out InvoiceMonth parsed)
    {
        parsed = default;
        if (CustomerEndpoints.InvalidCustomerId(customerId) is { } invalid)
        {
            return invalid;
        }

        return InvoiceMonth.TryParse(month, out parsed)
            ? null
            : AdminResults.Error(StatusCodes.Status400BadRequest, "invalid_month", $"'{month}' is not a month: use yyyy-mm, e.g. 2026-11.");
    }

    /// <summary><c>?format=html|json</c> decides; without it, HTML when the Accept header names <c>text/html</c>
    /// (a browser), JSON otherwise.</summary>
    private static bool TryChooseHtml(HttpRequest request, out bool html)
    {
        html = false;
        if (request.Query.TryGetValue("format", out var format))
        {
            html = format == "html";
            return html || format == "json";
        }

        var accept = request.GetTypedHeaders().Accept;
        html = accept.Any(a => a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase) && a.Quality is not 0);
        return true;
    }

    private static IResult Json(Invoice invoice) => Results.Json(invoice, InvoiceJsonContext.Default.Invoice);
}
