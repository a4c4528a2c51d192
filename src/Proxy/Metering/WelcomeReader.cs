using System.Text.Json;

namespace Proxy.Metering;

/// <summary>Reads <c>request_id</c> from Deepgram's Welcome: the key that matches our record to Deepgram's bill.</summary>
internal static class WelcomeReader
{
    private const int MaxRequestIdLength = 128;

    public static string? ReadRequestId(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1)
                {
                    var isRequestId = reader.ValueTextEquals("request_id"u8);
                    reader.Read();
                    if (isRequestId)
                    {
                        var value = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                        return value is { Length: > 0 and <= MaxRequestIdLength } ? value : null;
                    }

                    reader.Skip();
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Not JSON, or a request_id that is not valid UTF-8: the record goes without one.
        }

        return null;
    }
}
