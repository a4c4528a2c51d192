using System.Globalization;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Proxy.Emulator;

/// <summary>
/// Deepgram's requests list (<c>GET /v1/projects/{project_id}/requests</c>) served from the emulator's own connection
/// log, in the shape of the official SDK's types, so the gateway's reconciliation fetch runs offline. Newest first,
/// <c>page</c> from 0, <c>limit</c> 1–1000 (default 10); <c>start</c>/<c>end</c> (a date or an instant) bound
/// <c>created</c>; <c>request_id</c> picks one. <c>response.details.duration</c> is the connection's measured
/// duration in seconds, once it closed.
/// </summary>
internal static class ManagementRequestsEndpoint
{
    private const int DefaultLimit = 10;
    private const int MaxLimit = 1000;

    public static IEndpointRouteBuilder MapManagementRequests(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/v1/projects/{projectId}/requests", List);
        return endpoints;
    }

    private static IResult List(string projectId, HttpRequest request, ApiKeyAuthenticator authenticator, ConnectionStore store)
    {
        if (!authenticator.Authenticate(request, []).Succeeded)
        {
            return Error(StatusCodes.Status401Unauthorized, "INVALID_AUTH", "Invalid credentials.");
        }

        var query = request.Query;
        var limit = DefaultLimit;
        if (query["limit"].ToString() is { Length: > 0 } limitText
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
        {
            return Error(StatusCodes.Status400BadRequest, "INVALID_QUERY_PARAMETER", $"limit must be 1-{MaxLimit}.");
        }

        var page = 0;
        if (query["page"].ToString() is { Length: > 0 } pageText && !int.TryParse(pageText, NumberStyles.None, CultureInfo.InvariantCulture, out page))
        {
            return Error(StatusCodes.Status400BadRequest, "INVALID_QUERY_PARAMETER", "page must be a whole number.");
        }

        if (!TryInstant(query["start"], long.MinValue, out var startMs) || !TryInstant(query["end"], long.MaxValue, out var endMs))
        {
            return Error(StatusCodes.Status400BadRequest, "INVALID_QUERY_PARAMETER", "start and end must be dates or ISO-8601 instants.");
        }

        var requestId = query["request_id"].ToString();
        var selected = store.Snapshot()
            .Where(c => c.OpenedAtMs >= startMs && c.OpenedAtMs < endMs && (requestId.Length == 0 || c.RequestId == requestId))
            .OrderByDescending(c => c.OpenedAtMs)
            .Skip(page * limit)
            .Take(limit)
            .Select(ToRequest)
            .ToList();
        return TypedResults.Json(new RequestsPage(page, limit, selected), ManagementJsonContext.Default.RequestsPage);
    }

    private static RequestEntry ToRequest(ConnectionSnapshot connection) => new(
        connection.RequestId,
        "emulator-project",
        DateTimeOffset.FromUnixTimeMilliseconds(connection.OpenedAtMs).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        connection.Path,
        connection.ApiKeySha256.Length >= 32 ? connection.ApiKeySha256[..32] : connection.ApiKeySha256,
        new RequestResponse(new RequestDetails(connection.DurationMs is { } ms ? Math.Round(ms / 1000.0, 3) : null, "streaming"), connection.State == "closed" ? 200 : null),
        200);

    private static bool TryInstant(Microsoft.Extensions.Primitives.StringValues value, long absent, out long unixMs)
    {
        unixMs = absent;
        var text = value.ToString();
        if (text.Length == 0)
        {
            return true;
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant))
        {
            return false;
        }

        unixMs = instant.ToUnixTimeMilliseconds();
        return true;
    }

    private static JsonHttpResult<HttpError> Error(int status, string code, string message) =>
        TypedResults.Json(new HttpError(code, message), EmulatorJsonContext.Default.HttpError, statusCode: status);
}

internal sealed record RequestsPage(int Page, int Limit, IReadOnlyList<RequestEntry> Requests);

internal sealed record RequestEntry(string RequestId, string ProjectUuid, string Created, string Path, string ApiKeyId, RequestResponse Response, int Code);

internal sealed record RequestResponse(RequestDetails Details, int? Code);

internal sealed record RequestDetails(double? Duration, string Method);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RequestsPage))]
internal sealed partial class ManagementJsonContext : JsonSerializerContext;
