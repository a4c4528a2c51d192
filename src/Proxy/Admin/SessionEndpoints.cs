using Proxy.Customers;
using Proxy.Metering;
using Proxy.Sessions;
using Proxy.Storage;

namespace Proxy.Admin;

/// <summary>Session records, as stored: the billing truth, open and closed.</summary>
internal static class SessionEndpoints
{
    public static RouteGroupBuilder MapSessionEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapGet("/sessions", ListAsync);
        admin.MapGet("/sessions/live", ListLiveAsync);
        admin.MapGet("/sessions/{sessionId}", GetAsync);
        admin.MapDelete("/sessions/{sessionId}", CloseAsync);
        admin.MapPost("/customers/{customerId}/sessions/close", CloseCustomerAsync);
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

        if (AdminTime.ReadRange(query, out var fromMs, out var toMs) is { } rangeError)
        {
            return rangeError;
        }

        var format = query["format"].ToString();
        if (format is "jsonl" or "csv")
        {
            // An export is one customer's whole period, streamed: no limit, oldest first.
            return customer.Length == 0
                ? BadQuery("An export (format=jsonl or csv) is of one customer: add customer=<id>.")
                : Results.Stream(
                    body => format == "csv"
                        ? SessionExportWriter.WriteCsvAsync(records.StreamAsync(customer, fromMs, toMs, state), body, request.HttpContext.RequestAborted)
                        : SessionExportWriter.WriteJsonLinesAsync(records.StreamAsync(customer, fromMs, toMs, state), body, request.HttpContext.RequestAborted),
                    format == "csv" ? SessionExportWriter.CsvContentType : SessionExportWriter.JsonLinesContentType,
                    $"sessions-{customer}.{format}");
        }

        if (format is not ("" or "json"))
        {
            return BadQuery("format must be json, jsonl or csv.");
        }

        var (limit, limitError) = ListPaging.ReadLimit(query);
        if (limitError is not null)
        {
            return limitError;
        }

        SessionCursor? after = null;
        if (query.ContainsKey("cursor"))
        {
            if (!SessionCursor.TryParse(query["cursor"], out var parsed))
            {
                return ListPaging.CursorError();
            }

            after = parsed;
            toMs = Math.Min(toMs, parsed.OpenedAtMs);
        }

        // Each customer's newest records up to the cursor's instant, a few more than a page: records opened in the
        // cursor's very millisecond that were on the previous page are dropped below.
        var fetch = limit + 1 + (after is null ? 0 : TiesAllowance);
        IReadOnlyList<string> ids = customer.Length > 0 ? [customer] : await customers.ListIdsAsync().ConfigureAwait(false);
        var lists = await Task.WhenAll(ids.Select(id => records.ListAsync(id, fromMs, toMs, state, fetch))).ConfigureAwait(false);
        var page = lists.SelectMany(l => l)
            .Where(r => after is null || after.Value.IsBefore(r.ClientOpenedAtMs, r.SessionId))
            .OrderByDescending(r => r.ClientOpenedAtMs)
            .ThenByDescending(r => r.SessionId, StringComparer.Ordinal)
            .Take(limit + 1)
            .ToList();
        string? next = null;
        if (page.Count > limit)
        {
            page.RemoveAt(limit);
            next = new SessionCursor(page[^1].ClientOpenedAtMs, page[^1].SessionId).ToString();
        }

        return AdminResults.Json(new SessionList(page, next), AdminJsonContext.Default.SessionList);
    }

    // Records opened in the same millisecond as a page's last one; more than this many would repeat a few rows.
    private const int TiesAllowance = 64;

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

    /// <summary>Sessions holding a live lease on any instance, as of their last heartbeat. Over all customers, only those
    /// the live-customers index lists are read: a refresh costs O(live customers), whatever the number of customers.</summary>
    private static async Task<IResult> ListLiveAsync(HttpRequest request, SessionLeaseStore leases, SessionRecordStore records, LiveCustomerIndex liveCustomers, TimeProvider time)
    {
        var customer = request.Query["customer"].ToString();
        if (customer.Length > 0 && CustomerEndpoints.InvalidCustomerId(customer) is { } invalid)
        {
            return invalid;
        }

        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        IReadOnlyList<string> ids = customer.Length > 0 ? [customer] : await liveCustomers.LiveCustomersAsync().ConfigureAwait(false);
        var perCustomer = await Task.WhenAll(ids.Select(id => LiveOfCustomerAsync(id, leases, records, nowMs))).ConfigureAwait(false);
        var sessions = perCustomer.SelectMany(l => l).OrderByDescending(s => s.ClientOpenedAtMs).ToList();
        return AdminResults.Json(new LiveSessionList(sessions), AdminJsonContext.Default.LiveSessionList);
    }

    private static async Task<IReadOnlyList<LiveSessionView>> LiveOfCustomerAsync(string customerId, SessionLeaseStore leases, SessionRecordStore records, long nowMs)
    {
        var live = await leases.LiveAsync(customerId).ConfigureAwait(false);
        if (live.Count == 0)
        {
            return [];
        }

        var expiries = live.ToDictionary(l => l.SessionId, l => l.ExpiresAtMs);
        var found = await records.GetManyAsync(customerId, expiries.Keys).ConfigureAwait(false);
        return [.. found.Where(r => r.Status == SessionStatus.Open).Select(r => new LiveSessionView(
            r.SessionId, r.CustomerId, r.KeyId, r.InstanceId, r.ClientSessionId, r.DeepgramRequestId,
            r.ClientOpenedAtMs, r.UpstreamOpenedAtMs, r.LastSeenMs,
            nowMs - (r.LastActivityMs ?? r.UpstreamOpenedAtMs ?? r.ClientOpenedAtMs),
            r.FramesIn, r.FramesOut, r.BytesIn, r.BytesOut, expiries[r.SessionId]))];
    }

    /// <summary>Closes a live session on whichever instance holds it (SESSION_CLOSED_BY_ADMIN, Close 1000).</summary>
    private static async Task<IResult> CloseAsync(string sessionId, SessionRecordStore records, SessionLeaseStore leases, SessionControlChannel channel)
    {
        if (!Guid.TryParse(sessionId, out _))
        {
            return BadQuery("A session id is a UUID.");
        }

        var record = await records.GetAsync(sessionId).ConfigureAwait(false);
        if (record is null)
        {
            return AdminResults.NotFound($"No session '{sessionId}'.");
        }

        var live = await leases.LiveAsync(record.CustomerId).ConfigureAwait(false);
        if (record.Status != SessionStatus.Open || live.All(l => l.SessionId != sessionId))
        {
            return AdminResults.Error(StatusCodes.Status409Conflict, "session_not_live", $"Session '{sessionId}' is not live.");
        }

        await channel.PublishAsync(new ControlMessage { Kind = ControlMessage.CloseSession, SessionId = sessionId }).ConfigureAwait(false);
        return AdminResults.Json(new CloseAccepted(sessionId, 1), AdminJsonContext.Default.CloseAccepted, StatusCodes.Status202Accepted);
    }

    /// <summary>Closes all live sessions of a customer, on every instance.</summary>
    private static async Task<IResult> CloseCustomerAsync(string customerId, SessionLeaseStore leases, SessionControlChannel channel)
    {
        if (CustomerEndpoints.InvalidCustomerId(customerId) is { } invalid)
        {
            return invalid;
        }

        var live = await leases.LiveAsync(customerId).ConfigureAwait(false);
        await channel.PublishAsync(new ControlMessage { Kind = ControlMessage.CloseCustomer, CustomerId = customerId }).ConfigureAwait(false);
        return AdminResults.Json(new CloseAccepted(customerId, live.Count), AdminJsonContext.Default.CloseAccepted, StatusCodes.Status202Accepted);
    }

    private static IResult BadQuery(string message) => AdminResults.Error(StatusCodes.Status400BadRequest, "invalid_query", message);
}
