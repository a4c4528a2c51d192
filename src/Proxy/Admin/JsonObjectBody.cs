using System.Text.Json;

namespace Proxy.Admin;

/// <summary>
/// A request body that must be one JSON object whose fields the endpoint checks one by one (customer settings, a key's
/// PATCH): read once, or the 400 to answer instead – not JSON, or JSON but not an object (the message lists what the
/// object may hold) – under the endpoint's own error code. Dispose it when done with <see cref="Root"/>.
/// </summary>
internal sealed class JsonObjectBody : IDisposable
{
    private readonly JsonDocument? _document;

    private JsonObjectBody(JsonDocument? document, IResult? error)
    {
        _document = document;
        Error = error;
    }

    /// <summary>The answer to give instead; null when the body is a JSON object.</summary>
    public IResult? Error { get; }

    /// <summary>The object; only when <see cref="Error"/> is null.</summary>
    public JsonElement Root => _document?.RootElement ?? throw new InvalidOperationException("The body was refused: answer its Error.");

    /// <param name="error">The endpoint's error code: <c>invalid_body</c>, <c>invalid_settings</c>.</param>
    /// <param name="fields">What the object may hold, for the message: <c>expires_at, monthly_budget_micros</c>.</param>
    public static async Task<JsonObjectBody> ReadAsync(HttpRequest request, string error, string fields)
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            return new JsonObjectBody(null, Invalid(error, $"The body is not valid JSON: {ex.Message}"));
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            return new JsonObjectBody(null, Invalid(error, $"The body must be a JSON object with any of: {fields}."));
        }

        return new JsonObjectBody(document, null);
    }

    /// <summary>The answer for an object whose fields are wrong: every problem at once.</summary>
    public static IResult Invalid(string error, IEnumerable<string> problems) => Invalid(error, string.Join(" ", problems));

    public void Dispose() => _document?.Dispose();

    private static IResult Invalid(string error, string message) => AdminResults.Error(StatusCodes.Status400BadRequest, error, message);
}
