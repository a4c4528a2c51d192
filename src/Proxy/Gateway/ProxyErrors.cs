using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

using Proxy.Tunnel;

namespace Proxy.Gateway;

/// <summary>
/// The JSON error body of every refusal before an upgrade: <c>{"error":code,"message":...}</c>, plus
/// <c>upstream_status</c> when the upstream refused.
/// </summary>
internal static class ProxyErrors
{
    public static async Task WriteAsync(HttpContext context, int statusCode, string error, string message, int? upstreamStatus = null)
    {
        var body = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(body, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("error", error);
            writer.WriteString("message", message);
            if (upstreamStatus is { } status)
            {
                writer.WriteNumber("upstream_status", status);
            }

            writer.WriteEndObject();
        }

        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.ContentLength = body.WrittenCount;
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.Body.WriteAsync(body.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }
}
