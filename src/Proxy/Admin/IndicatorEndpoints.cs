using System.Globalization;
using Proxy.Billing;
using Proxy.Storage;

namespace Proxy.Admin;

/// <summary>Outcome indicators on sessions, during the call or after it (README, "Admin API"): 201 the first time,
/// 200 for the same name and value again, 409 <c>indicator_conflict</c> for the same name with another value, 404
/// for an unknown session or another customer's.</summary>
internal static class IndicatorEndpoints
{
    /// <summary>Longer than any client session id worth looking for; a longer one names no session.</summary>
    private const int MaxClientSessionIdLength = 256;

    public static RouteGroupBuilder MapIndicatorEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapPost("/sessions/{sessionId}/indicators", PostBySessionAsync);
        admin.MapPost("/customers/{customerId}/client-sessions/{clientSessionId}/indicators", PostByClientSessionAsync);
        return admin;
    }

    private static async Task<IResult> PostBySessionAsync(string sessionId, HttpRequest request, IndicatorPosting indicators)
    {
        var read = await ReadAsync(request).ConfigureAwait(false);
        if (read.Request is not { } body)
        {
            return read.Error!;
        }

        if (!Guid.TryParse(sessionId, out _))
        {
            return AdminResults.NotFound($"No session '{sessionId}'.");
        }

        return Answer(await indicators.PostAsync(sessionId, body.Name, body.Value).ConfigureAwait(false), body.Name, $"No session '{sessionId}'.");
    }

    private static async Task<IResult> PostByClientSessionAsync(string customerId, string clientSessionId, HttpRequest request, IndicatorPosting indicators)
    {
        if (CustomerEndpoints.InvalidCustomerId(customerId) is { } invalid)
        {
            return invalid;
        }

        var read = await ReadAsync(request).ConfigureAwait(false);
        if (read.Request is not { } body)
        {
            return read.Error!;
        }

        var notFound = $"Customer '{customerId}' has no session with client session id '{clientSessionId}'.";
        if (clientSessionId.Length > MaxClientSessionIdLength)
        {
            return AdminResults.NotFound(notFound);
        }

        return Answer(await indicators.PostByClientSessionAsync(customerId, clientSessionId, body.Name, body.Value).ConfigureAwait(false), body.Name, notFound);
    }

    private static async Task<(IndicatorRequest? Request, IResult? Error)> ReadAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body);
        var text = await reader.ReadToEndAsync(request.HttpContext.RequestAborted).ConfigureAwait(false);
        return IndicatorRequest.TryParse(text, out var parsed, out var error)
            ? (parsed, null)
            : (null, AdminResults.Error(StatusCodes.Status400BadRequest, "invalid_body", error));
    }

    private static IResult Answer(IndicatorPostResult result, string name, string notFound) => result switch
    {
        { Status: IndicatorPostStatus.NotFound } => AdminResults.NotFound(notFound),
        { Status: IndicatorPostStatus.Conflict, Indicator: { } earlier } => AdminResults.Error(StatusCodes.Status409Conflict, "indicator_conflict",
            $"Indicator '{name}' of session '{result.SessionId}' was posted with value {earlier.Value.ToString(CultureInfo.InvariantCulture)}; an indicator is set once."),
        { Indicator: { } indicator } => AdminResults.Json(
            new IndicatorView(result.SessionId!, name, indicator.Value, indicator.FeeMicros, indicator.AtMs, result.RecordVersion),
            AdminJsonContext.Default.IndicatorView,
            result.Status == IndicatorPostStatus.Created ? StatusCodes.Status201Created : StatusCodes.Status200OK),
        _ => throw new InvalidOperationException($"Indicator post result {result.Status} without an indicator."),
    };
}
