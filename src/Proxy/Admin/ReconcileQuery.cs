using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Proxy.Billing;
using Proxy.Customers;

namespace Proxy.Admin;

/// <summary>The query of <c>POST /admin/v1/reconcile</c>: <c>from</c> and <c>to</c> (both required; <c>YYYY-MM-DD</c> UTC
/// days, inclusive – <c>to</c> covers its whole day – or instants as elsewhere in the admin API, <c>to</c> exclusive),
/// at most <see cref="ReconciliationPeriod.MaxLength"/> apart, an optional <c>customer</c>, and an optional
/// <c>accessor</c> (a Deepgram key id: the fetched list is limited to that key's requests, for a customer with its own
/// Deepgram key).</summary>
internal sealed record ReconcileQuery(ReconciliationPeriod Period, string? CustomerId, string? Accessor = null)
{
    public static bool TryParse(IQueryCollection query, [NotNullWhen(true)] out ReconcileQuery? parsed, [NotNullWhen(false)] out ErrorBody? error)
    {
        parsed = null;
        var customer = query["customer"].ToString();
        if (customer.Length > 0 && !CustomerIds.IsValid(customer))
        {
            error = new ErrorBody("invalid_customer_id", $"A customer id is {CustomerIds.Rule}.");
            return false;
        }

        if (!TryParseBound(query, "from", endOfDay: false, out var fromMs, out error)
            || !TryParseBound(query, "to", endOfDay: true, out var toMs, out error))
        {
            return false;
        }

        if (fromMs >= toMs)
        {
            error = new ErrorBody("invalid_range", $"from ({query["from"]}) must be before to ({query["to"]}).");
            return false;
        }

        if (toMs - fromMs > (long)ReconciliationPeriod.MaxLength.TotalMilliseconds)
        {
            error = new ErrorBody("invalid_range",
                $"from {query["from"]} to {query["to"]} is longer than {ReconciliationPeriod.MaxLength.TotalDays:0} days: reconcile one month at a time (Deepgram's list is paged per period too).");
            return false;
        }

        var accessor = query["accessor"].ToString();
        if (accessor.Length > 128 || accessor.Any(char.IsControl))
        {
            error = new ErrorBody("invalid_accessor", "accessor is a Deepgram API key id (at most 128 characters).");
            return false;
        }

        error = null;
        parsed = new ReconcileQuery(new ReconciliationPeriod(fromMs, toMs), customer.Length > 0 ? customer : null, accessor.Length > 0 ? accessor : null);
        return true;
    }

    private static bool TryParseBound(IQueryCollection query, string name, bool endOfDay, out long unixMs, [NotNullWhen(false)] out ErrorBody? error)
    {
        unixMs = 0;
        var text = query[name].ToString();
        if (text.Length == 0)
        {
            error = new ErrorBody($"missing_{name}", $"{name} is required: POST /admin/v1/reconcile?from=YYYY-MM-DD&to=YYYY-MM-DD[&customer=<id>].");
            return false;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            var start = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
            unixMs = new DateTimeOffset(endOfDay ? start.AddDays(1) : start).ToUnixTimeMilliseconds();
            error = null;
            return true;
        }

        if (AdminTime.TryParse(text, out unixMs))
        {
            error = null;
            return true;
        }

        error = new ErrorBody($"invalid_{name}",
            $"{name} must be a UTC day (YYYY-MM-DD), an ISO-8601 instant such as 2026-12-01T00:00:00Z or Unix milliseconds, not '{text}'.");
        return false;
    }
}
