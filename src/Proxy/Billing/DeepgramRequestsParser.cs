using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;

namespace Proxy.Billing;

/// <summary>
/// Reads an uploaded requests list: one page as Deepgram's management API answers it
/// (<c>{"page","limit","requests":[{"request_id","created","path","api_key_id","response":{…}}]}</c>) or an array of
/// such pages. A malformed body is refused with a message naming where it went wrong (line and byte for bad JSON, the
/// JSON path of the field for a wrong shape), so an operator can fix the file rather than guess.
/// </summary>
/// <remarks>Walks a <see cref="JsonDocument"/> instead of deserializing into classes: a serializer reports a missing
/// field without its array index, and the index is what the operator needs.</remarks>
internal static class DeepgramRequestsParser
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64 };

    public static bool TryParse(ReadOnlyMemory<byte> utf8Json, [NotNullWhen(true)] out IReadOnlyList<DeepgramRequest>? requests, [NotNullWhen(false)] out string? error)
    {
        requests = null;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8Json, DocumentOptions);
        }
        catch (JsonException ex)
        {
            error = $"The body is not valid JSON (line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1} of that line).";
            return false;
        }

        using (document)
        {
            var found = new List<DeepgramRequest>();
            var root = document.RootElement;
            switch (root.ValueKind)
            {
                case JsonValueKind.Object:
                    error = ReadPage(root, string.Empty, found);
                    break;
                case JsonValueKind.Array:
                    error = null;
                    var index = 0;
                    foreach (var page in root.EnumerateArray())
                    {
                        error = page.ValueKind == JsonValueKind.Object
                            ? ReadPage(page, $"[{index}].", found)
                            : $"[{index}] must be a page object {{\"page\",\"limit\",\"requests\":[…]}}, not {Kind(page)}.";
                        if (error is not null)
                        {
                            break;
                        }

                        index++;
                    }

                    break;
                default:
                    error = $"The body must be a requests-list page object or an array of them, not {Kind(root)}.";
                    break;
            }

            if (error is not null)
            {
                return false;
            }

            requests = found;
            return true;
        }
    }

    private static string? ReadPage(JsonElement page, string at, List<DeepgramRequest> found)
    {
        if (!page.TryGetProperty("requests", out var list))
        {
            return $"{at}requests is missing.";
        }

        if (list.ValueKind != JsonValueKind.Array)
        {
            return $"{at}requests must be an array, not {Kind(list)}.";
        }

        var index = 0;
        foreach (var entry in list.EnumerateArray())
        {
            var where = $"{at}requests[{index}]";
            if (ReadRequest(entry, where, out var request) is { } problem)
            {
                return problem;
            }

            found.Add(request!);
            index++;
        }

        return null;
    }

    private static string? ReadRequest(JsonElement entry, string where, out DeepgramRequest? request)
    {
        request = null;
        if (entry.ValueKind != JsonValueKind.Object)
        {
            return $"{where} must be an object, not {Kind(entry)}.";
        }

        if (!entry.TryGetProperty("request_id", out var id))
        {
            return $"{where}.request_id is missing.";
        }

        if (id.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(id.GetString()))
        {
            return $"{where}.request_id must be a non-empty string, not {Kind(id)}.";
        }

        if (!entry.TryGetProperty("created", out var created))
        {
            return $"{where}.created is missing.";
        }

        if (created.ValueKind != JsonValueKind.String
            || !DateTimeOffset.TryParse(created.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var createdAt))
        {
            return $"{where}.created must be an ISO-8601 instant such as 2026-12-01T10:00:00.000Z, not {Kind(created)}.";
        }

        if (OptionalString(entry, "path", where, out var path) is { } pathProblem)
        {
            return pathProblem;
        }

        if (OptionalString(entry, "api_key_id", where, out var apiKeyId) is { } keyProblem)
        {
            return keyProblem;
        }

        if (ReadDuration(entry, where, out var durationMs) is { } durationProblem)
        {
            return durationProblem;
        }

        request = new DeepgramRequest(id.GetString()!, createdAt.ToUnixTimeMilliseconds(), path, apiKeyId, durationMs);
        return null;
    }

    /// <summary><c>response</c> is free-form; the official SDK types the duration as <c>response.details.duration</c>
    /// in seconds. Absent anywhere along that path means "no duration to compare", not an error.</summary>
    private static string? ReadDuration(JsonElement entry, string where, out long? durationMs)
    {
        durationMs = null;
        if (!entry.TryGetProperty("response", out var response) || response.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (response.ValueKind != JsonValueKind.Object)
        {
            return $"{where}.response must be an object, not {Kind(response)}.";
        }

        if (!response.TryGetProperty("details", out var details) || details.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (details.ValueKind != JsonValueKind.Object)
        {
            return $"{where}.response.details must be an object, not {Kind(details)}.";
        }

        if (!details.TryGetProperty("duration", out var duration) || duration.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        // Seconds as a decimal, not a double: 1.0005 s must not become 1000 ms by binary rounding.
        if (duration.ValueKind != JsonValueKind.Number || !duration.TryGetDecimal(out var seconds) || seconds < 0 || seconds > MaxDurationSeconds)
        {
            return $"{where}.response.details.duration must be a number of seconds from 0 to {MaxDurationSeconds}, not {Kind(duration)}.";
        }

        durationMs = (long)decimal.Round(seconds * 1000m, MidpointRounding.AwayFromZero);
        return null;
    }

    // A year: far beyond Deepgram's own session cap, small enough that the milliseconds fit in a long.
    private const decimal MaxDurationSeconds = 366m * 24 * 3600;

    private static string? OptionalString(JsonElement entry, string name, string where, out string? value)
    {
        value = null;
        if (!entry.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            return $"{where}.{name} must be a string, not {Kind(element)}.";
        }

        value = element.GetString();
        return null;
    }

    private static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => Quote(element.GetString()!),
        JsonValueKind.Number => element.GetRawText(),
        JsonValueKind.True or JsonValueKind.False => element.GetRawText(),
        JsonValueKind.Null => "null",
        JsonValueKind.Array => "an array",
        _ => "an object",
    };

    // Long strings are cut: the message goes back to the operator, not their whole file.
    private static string Quote(string text) => text.Length <= 64 ? $"'{text}'" : $"'{text[..64]}…'";
}
