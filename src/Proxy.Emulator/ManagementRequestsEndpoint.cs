using System.Globalization;
using Microsoft.Extensions.Primitives;

namespace Proxy.Emulator;

/// <summary>
/// Deepgram's requests list (<c>GET /v1/projects/{project_id}/requests</c>) served from the emulator's own connection
/// log, in the shape of the official SDK's types, so the gateway's reconciliation fetch runs offline. Newest first,
/// <c>page</c> from 0, <c>limit</c> 1–1000 (default 10); <c>start</c>/<c>end</c> (a date or an instant) bound
/// <c>created</c>; <c>request_id</c> picks one, <c>accessor</c> the connections of one API key id; <c>endpoint</c>,
/// <c>method</c>, <c>status</c> and <c>deployment</c> take Deepgram's values (every connection is an <c>agent</c>,
/// <c>streaming</c>, <c>hosted</c> request that <c>succeeded</c>: a refused upgrade leaves no record).
/// <c>response.details.duration</c> is the connection's measured duration in seconds, once it closed.
/// </summary>
internal static class ManagementRequestsEndpoint
{
    private const int DefaultLimit = 10;
    private const int MaxLimit = 1000;

    private static readonly string[] Endpoints = ["agent", "listen", "read", "speak"];
    private static readonly string[] Methods = ["streaming", "sync", "async"];
    private static readonly string[] Statuses = ["succeeded", "failed"];
    private static readonly string[] Deployments = ["hosted", "beta", "self-hosted"];

    public static IEndpointRouteBuilder MapManagementRequests(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/v1/projects/{projectId}/requests", List);
        return endpoints;
    }

    private static IResult List(string projectId, HttpRequest request, ManagementAccess access, ConnectionStore store)
    {
        if (access.Refusal(request, projectId) is { } refusal)
        {
            return refusal;
        }

        var query = request.Query;
        var limit = DefaultLimit;
        if (query["limit"].ToString() is { Length: > 0 } limitText
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
        {
            return ManagementErrors.BadQuery($"limit must be 1-{MaxLimit}.");
        }

        var page = 0;
        if (query["page"].ToString() is { Length: > 0 } pageText && !int.TryParse(pageText, NumberStyles.None, CultureInfo.InvariantCulture, out page))
        {
            return ManagementErrors.BadQuery("page must be a whole number from 0.");
        }

        if (!TryInstant(query["start"], long.MinValue, out var startMs) || !TryInstant(query["end"], long.MaxValue, out var endMs))
        {
            return ManagementErrors.BadQuery("start and end must be dates (YYYY-MM-DD) or ISO-8601 instants.");
        }

        if (startMs > endMs)
        {
            return ManagementErrors.BadQuery("start must not be after end.");
        }

        if (FirstUnknown(query, ("endpoint", Endpoints), ("method", Methods), ("status", Statuses), ("deployment", Deployments)) is { } problem)
        {
            return ManagementErrors.BadQuery(problem);
        }

        // The emulator serves one kind of request: a filter for another kind matches nothing.
        var matchesKind = Matches(query["endpoint"], "agent") && Matches(query["method"], "streaming")
            && Matches(query["status"], "succeeded") && Matches(query["deployment"], "hosted");
        var requestId = query["request_id"].ToString();
        var accessor = query["accessor"].ToString();
        var skip = (long)page * limit;
        var selected = !matchesKind || skip > int.MaxValue
            ? []
            : store.Snapshot()
                .Where(c => c.OpenedAtMs >= startMs && c.OpenedAtMs < endMs
                    && (requestId.Length == 0 || c.RequestId == requestId)
                    && (accessor.Length == 0 || c.ApiKeyId == accessor))
                .OrderByDescending(c => c.OpenedAtMs)
                .Skip((int)skip)
                .Take(limit)
                .Select(c => ToRequest(c, access.ProjectId))
                .ToList();
        return TypedResults.Json(new RequestsPage(page, limit, selected), ManagementJsonContext.Default.RequestsPage);
    }

    private static RequestEntry ToRequest(ConnectionSnapshot connection, string projectId) => new(
        connection.RequestId,
        projectId,
        DeepgramTime.FormatUnixMs(connection.OpenedAtMs),
        connection.Path,
        connection.ApiKeyId,
        new RequestResponse(new RequestDetails(connection.DurationMs is { } ms ? Math.Round(ms / 1000.0, 3) : null, "streaming"), connection.State == ConnectionStates.Closed ? 200 : null),
        200,
        "hosted");

    private static bool Matches(StringValues value, string served) => value.ToString() is var text && (text.Length == 0 || text == served);

    private static string? FirstUnknown(IQueryCollection query, params (string Name, string[] Allowed)[] parameters)
    {
        foreach (var (name, allowed) in parameters)
        {
            var value = query[name].ToString();
            if (value.Length > 0 && !allowed.Contains(value, StringComparer.Ordinal))
            {
                return $"{name} must be one of {string.Join(", ", allowed)}.";
            }
        }

        return null;
    }

    private static bool TryInstant(StringValues value, long absent, out long unixMs)
    {
        unixMs = absent;
        var text = value.ToString();
        if (text.Length == 0)
        {
            return true;
        }

        if (!DeepgramTime.TryParse(text, out var instant))
        {
            return false;
        }

        unixMs = instant.ToUnixTimeMilliseconds();
        return true;
    }
}

internal sealed record RequestsPage(int Page, int Limit, IReadOnlyList<RequestEntry> Requests);

internal sealed record RequestEntry(string RequestId, string ProjectUuid, string Created, string Path, string ApiKeyId, RequestResponse Response, int Code, string Deployment);

internal sealed record RequestResponse(RequestDetails Details, int? Code);

internal sealed record RequestDetails(double? Duration, string Method);
