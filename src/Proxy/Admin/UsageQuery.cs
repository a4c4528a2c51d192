using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Proxy.Billing;
using Proxy.Customers;

namespace Proxy.Admin;

/// <summary>The query of <c>GET /admin/v1/usage</c>, checked: <c>customer</c> (required), <c>from</c>/<c>to</c>
/// (<c>YYYY-MM-DD</c> UTC days, inclusive, or ISO-8601 instants, which count as the UTC day they fall on: usage is
/// aggregated per day), <c>group_by</c> (day, key, model; default day), <c>format</c> (json, csv; default json).
/// Without <c>to</c> the range ends today (UTC); without <c>from</c> it starts on the first day of <c>to</c>'s month.
/// An empty parameter counts as absent.</summary>
internal sealed record UsageQuery(string CustomerId, UsageRange Range, UsageGrouping Grouping, UsageFormat Format)
{
    public static bool TryParse(IQueryCollection query, DateOnly today, [NotNullWhen(true)] out UsageQuery? usage, [NotNullWhen(false)] out ErrorBody? error)
    {
        usage = null;
        var customer = query["customer"].ToString();
        if (customer.Length == 0)
        {
            error = new ErrorBody("missing_customer", "customer is required: GET /admin/v1/usage?customer=<customer id>.");
            return false;
        }

        if (!CustomerIds.IsValid(customer))
        {
            error = new ErrorBody("invalid_customer_id", $"A customer id is {CustomerIds.Rule}.");
            return false;
        }

        var to = today;
        if (query["to"].ToString() is { Length: > 0 } toText && !TryParseDay(toText, out to))
        {
            error = new ErrorBody("invalid_to", DayRule("to", toText));
            return false;
        }

        var from = new DateOnly(to.Year, to.Month, 1);
        if (query["from"].ToString() is { Length: > 0 } fromText && !TryParseDay(fromText, out from))
        {
            error = new ErrorBody("invalid_from", DayRule("from", fromText));
            return false;
        }

        if (from > to)
        {
            error = new ErrorBody("invalid_range", $"from ({from:yyyy-MM-dd}) is after to ({to:yyyy-MM-dd}).");
            return false;
        }

        if (UsageRange.DayCount(from, to) > UsageRange.MaxDays)
        {
            error = new ErrorBody("invalid_range",
                $"from {from:yyyy-MM-dd} to {to:yyyy-MM-dd} is {UsageRange.DayCount(from, to)} days; at most {UsageRange.MaxDays} per request (ask for consecutive ranges).");
            return false;
        }

        var grouping = UsageGrouping.Day;
        if (query["group_by"].ToString() is { Length: > 0 } groupBy && !UsageGroupings.TryParse(groupBy, out grouping))
        {
            error = new ErrorBody("invalid_group_by", $"group_by must be {UsageGroupings.Names}, not '{groupBy}'.");
            return false;
        }

        var format = UsageFormat.Json;
        if (query["format"].ToString() is { Length: > 0 } formatText && !TryParseFormat(formatText, out format))
        {
            error = new ErrorBody("invalid_format", $"format must be json or csv, not '{formatText}'.");
            return false;
        }

        error = null;
        usage = new UsageQuery(customer, new UsageRange(from, to), grouping, format);
        return true;
    }

    /// <summary>A UTC day: <c>YYYY-MM-DD</c> as it is, or the UTC day of an ISO-8601 instant
    /// (<c>2026-12-01T23:30:00-05:00</c> is 2026-12-02). Unix milliseconds, which other admin endpoints take, are not
    /// accepted here: "2026" would silently mean 1970-01-01.</summary>
    public static bool TryParseDay(string text, out DateOnly day)
    {
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day))
        {
            return true;
        }

        if (text.Length > 10 && text[10] == 'T' && AdminTime.TryParse(text, out var unixMs))
        {
            day = DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime);
            return true;
        }

        day = default;
        return false;
    }

    private static bool TryParseFormat(string text, out UsageFormat format)
    {
        (var known, format) = text switch
        {
            "json" => (true, UsageFormat.Json),
            "csv" => (true, UsageFormat.Csv),
            _ => (false, UsageFormat.Json),
        };
        return known;
    }

    private static string DayRule(string parameter, string text) =>
        $"{parameter} must be a UTC day (YYYY-MM-DD) or an ISO-8601 instant such as 2026-12-01T00:00:00Z, not '{text}'.";
}

internal enum UsageFormat
{
    Json,
    Csv,
}
