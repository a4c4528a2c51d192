namespace Proxy.Admin;

/// <summary>The audit log: every change asked of the admin API, newest first.</summary>
internal static class AuditEndpoints
{
    public static RouteGroupBuilder MapAuditEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapGet("/audit", ListAsync)
            .WithName("ListAuditEntries")
            .WithSummary("The audit log, newest first")
            .WithDescription("One entry per admin request other than GET/HEAD that passed authentication (refused ones too): when (at_ms, at), who (the token's name and role, never the token), what (method, path, route) and the status answered. Query: from, to (Unix ms or ISO-8601, inclusive, on at_ms), actor (a token name), limit (1–1000, default 100), cursor (next_cursor of the previous page).")
            .Produces<AuditList>()
            .Produces<ErrorBody>(StatusCodes.Status400BadRequest);
        return admin;
    }

    private static async Task<IResult> ListAsync(HttpRequest request, AuditLogStore store)
    {
        var query = request.Query;
        var (limit, limitError) = ListPaging.ReadLimit(query);
        if (limitError is not null)
        {
            return limitError;
        }

        if (AdminTime.ReadRange(query, out var fromMs, out var toMs) is { } rangeError)
        {
            return rangeError;
        }

        AuditCursor? after = null;
        if (query.ContainsKey("cursor"))
        {
            if (!AuditCursor.TryParse(query["cursor"], out var parsed))
            {
                return ListPaging.CursorError();
            }

            after = parsed;
        }

        var actor = query["actor"].ToString();
        var page = await store.ReadAsync(new AuditQuery(fromMs, toMs, actor.Length == 0 ? null : actor, limit, after)).ConfigureAwait(false);
        return AdminResults.Json(new AuditList(page.Entries, page.Next?.ToString()), AdminJsonContext.Default.AuditList);
    }
}
