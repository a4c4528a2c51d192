using Proxy.Customers;
using Proxy.Metering;
using Proxy.Storage;

namespace Proxy.Admin;

/// <summary>Session records, as stored: the billing truth, open and closed.</summary>
internal static class SessionEndpoints
{
    private const int DefaultLimit = 100;
    private const int MaxLimit = 1000;

    public static RouteGroupBuilder MapSessionEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapGet("/sessions", ListAsync);
        admin.MapGet("/sessions/{sessionId}", GetAsync);
        return admin;
    }

    private static async Task<IResult> ListAsync(HttpRequest request, SessionRecordStore records, CustomerStore customers)
    {
        var query = request.Query;
        var customer = query["customer"].ToString();
        if (customer.Length > 0 && CustomerEndpoints.InvalidCustomerId(customer) is { } invalid)
        {
            return invalid;
        }

        string? state = query["state"].ToString() switch
        {
            "" => null,
            SessionStatus.Open => SessionStatus.Open,
            SessionStatus.Closed => SessionStatus.Closed,
            _ => "invalid",
        };
        if (state == "invalid")
        {
            return BadQuery("state must be 'open' or 'closed'.");
        }

        var fromMs = 0L;
        var toMs = long.MaxValue;
        if (query.ContainsKey("from") && !AdminTime.TryParse(query["from"], out fromMs))
        {
            return BadQuery("from must be Unix milliseconds or an ISO-8601 instant.");
        }

        if (query.ContainsKey("to") && !AdminTime.TryParse(query["to"], out toMs))
        {
            return BadQuery("to must be Unix milliseconds or an ISO-8601 instant.");
        }

        var limit = DefaultLimit;
        if (query.ContainsKey("limit") && (!int.TryParse(query["limit"], out limit) || limit is < 1 or > MaxLimit))
        {
            return BadQuery($"limit must be between 1 and {MaxLimit}.");
        }

        IReadOnlyList<string> ids = customer.Length > 0 ? [customer] : await customers.ListIdsAsync().ConfigureAwait(false);
        var lists = await Task.WhenAll(ids.Select(id => records.ListAsync(id, fromMs, toMs, state, limit))).ConfigureAwait(false);
        var sessions = lists.SelectMany(l => l)
            .OrderByDescending(r => r.ClientOpenedAtMs)
            .ThenByDescending(r => r.SessionId, StringComparer.Ordinal)
            .Take(limit)
            .ToList();
        return AdminResults.Json(new SessionList(sessions), AdminJsonContext.Default.SessionList);
    }

    private static async Task<IResult> GetAsync(string sessionId, SessionRecordStore records)
    {
        if (!Guid.TryParse(sessionId, out _))
        {
            return BadQuery("A session id is a UUID.");
        }

        var record = await records.GetAsync(sessionId).ConfigureAwait(false);
        return record is null
            ? AdminResults.NotFound($"No session '{sessionId}'.")
            : AdminResults.Json(record, AdminJsonContext.Default.SessionRecord);
    }

    private static IResult BadQuery(string message) => AdminResults.Error(StatusCodes.Status400BadRequest, "invalid_query", message);
}
