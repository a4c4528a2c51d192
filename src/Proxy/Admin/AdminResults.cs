using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Proxy.Admin;

internal static class AdminResults
{
    public static IResult Json<T>(T value, JsonTypeInfo<T> type, int statusCode = StatusCodes.Status200OK) =>
        Results.Json(value, (JsonTypeInfo<T>)AdminJson.Options.GetTypeInfo(type.Type), statusCode: statusCode);

    public static IResult Error(int statusCode, string error, string message) =>
        Json(new ErrorBody(error, message), AdminJsonContext.Default.ErrorBody, statusCode);

    public static IResult NotFound(string what) => Error(StatusCodes.Status404NotFound, "not_found", what);

    /// <summary>Reads an optional JSON body: an empty body gives <paramref name="empty"/>; malformed JSON or
    /// unknown fields give an error message instead of a silent default.</summary>
    public static async Task<(T? Value, IResult? Error)> ReadBodyAsync<T>(HttpRequest request, JsonTypeInfo<T> type, T empty)
    {
        using var reader = new StreamReader(request.Body);
        var text = await reader.ReadToEndAsync(request.HttpContext.RequestAborted).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(text))
        {
            return (empty, null);
        }

        try
        {
            var value = JsonSerializer.Deserialize(text, type);
            return value is null
                ? (default, Error(StatusCodes.Status400BadRequest, "invalid_body", "The body must be a JSON object."))
                : (value, null);
        }
        catch (JsonException ex)
        {
            return (default, Error(StatusCodes.Status400BadRequest, "invalid_body", $"The body is not valid JSON for this endpoint: {ex.Message}"));
        }
    }
}
