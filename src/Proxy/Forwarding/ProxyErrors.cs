using System.Text.Encodings.Web;
using System.Text.Json;

namespace Proxy.Forwarding;

/// <summary>
/// The JSON error body of every refusal before an upgrade: <c>{"error":code,"message":...}</c>, plus
/// <c>upstream_status</c> when the upstream refused.
/// </summary>
internal static class ProxyErrors
{
    public static async Task WriteAsync(HttpContext context, int statusCode, string error, string message, int? upstreamStatus = null)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        await using var writer = new Utf8JsonWriter(context.Response.Body, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        writer.WriteStartObject();
        writer.WriteString("error", error);
        writer.WriteString("message", message);
        if (upstreamStatus is { } status)
        {
            writer.WriteNumber("upstream_status", status);
        }

        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }
}
