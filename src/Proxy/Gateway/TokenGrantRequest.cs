using System.Text.Json;
using Proxy.Customers;

namespace Proxy.Gateway;

/// <summary>The optional body of <c>POST /v1/auth/grant</c>: <c>{"ttl_seconds": N}</c>, N a whole number 1–3600
/// (Deepgram's range), 30 when absent. Anything else is named back to the client.</summary>
internal static class TokenGrantRequest
{
    public const string TtlField = "ttl_seconds";

    /// <summary>Returns the TTL, or null with <paramref name="error"/> saying what is wrong.</summary>
    public static int? ParseTtl(ReadOnlySpan<byte> body, out string? error)
    {
        error = null;
        if (IsBlank(body))
        {
            return AccessTokenIssuer.DefaultTtlSeconds;
        }

        var range = $"{TtlField} must be a whole number of seconds from {AccessTokenIssuer.MinTtlSeconds} to {AccessTokenIssuer.MaxTtlSeconds}";
        try
        {
            using var document = JsonDocument.Parse(body.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                error = $"The body must be a JSON object like {{\"{TtlField}\": 30}}.";
                return null;
            }

            if (!document.RootElement.TryGetProperty(TtlField, out var ttl) || ttl.ValueKind == JsonValueKind.Null)
            {
                return AccessTokenIssuer.DefaultTtlSeconds;
            }

            if (ttl.ValueKind == JsonValueKind.Number && ttl.TryGetInt64(out var seconds) && AccessTokenIssuer.IsValidTtl(seconds))
            {
                return (int)seconds;
            }

            error = $"{range} (got {ttl.GetRawText()}).";
            return null;
        }
        catch (JsonException)
        {
            error = $"The body is not valid JSON; send {{\"{TtlField}\": N}} where {range}.";
            return null;
        }
    }

    private static bool IsBlank(ReadOnlySpan<byte> body)
    {
        foreach (var b in body)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                return false;
            }
        }

        return true;
    }
}
