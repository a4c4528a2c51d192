using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Proxy.Emulator;

/// <summary>UTF-8 JSON text of the messages the emulator sends, shaped like Deepgram's.</summary>
internal static class ServerMessages
{
    // Relaxed escaping keeps echoed user text readable; these messages never end up in HTML.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] SettingsApplied { get; } = TypeOnly("SettingsApplied");

    public static byte[] PromptUpdated { get; } = TypeOnly("PromptUpdated");

    public static byte[] SpeakUpdated { get; } = TypeOnly("SpeakUpdated");

    public static byte[] ThinkUpdated { get; } = TypeOnly("ThinkUpdated");

    public static byte[] ClientMessageTimeout { get; } = Error(
        ErrorCodes.ClientMessageTimeout,
        "We did not receive audio within our timeout. Please make sure you are sending binary messages containing user speech.");

    public static byte[] Welcome(string requestId) => Write(writer =>
    {
        writer.WriteString("type", "Welcome");
        writer.WriteString("request_id", requestId);
    });

    public static byte[] Error(string code, string description) => Write(writer =>
    {
        writer.WriteString("type", "Error");
        writer.WriteString("description", description);
        writer.WriteString("code", code);
    });

    public static byte[] ConversationText(string role, string content) => Write(writer =>
    {
        writer.WriteString("type", "ConversationText");
        writer.WriteString("role", role);
        writer.WriteString("content", content);
    });

    private static byte[] TypeOnly(string type) => Write(writer => writer.WriteString("type", type));

    private static byte[] Write(Action<Utf8JsonWriter> writeProperties)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writeProperties(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
