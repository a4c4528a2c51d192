using System.Text.Json;

namespace Proxy.Sessions;

/// <summary>The JSON messages the proxy itself sends to a client, in the shape of Deepgram's own Warning and Error.</summary>
internal static class AgentControlMessages
{
    public const string IdleWarning = "SESSION_IDLE_WARNING";
    public const string MaxDurationWarning = "SESSION_MAX_DURATION_WARNING";
    public const string IdleTimeout = "SESSION_IDLE_TIMEOUT";
    public const string MaxDuration = "SESSION_MAX_DURATION";
    public const string ClosedByAdmin = "SESSION_CLOSED_BY_ADMIN";
    public const string ServerShutdown = "SERVER_SHUTDOWN";
    public const string BudgetExhausted = "SESSION_BUDGET_EXHAUSTED";

    public static string Warning(string code, string description) => Message("Warning", code, description);

    public static string Error(string code, string description) => Message("Error", code, description);

    private static string Message(string type, string code, string description)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", type);
            writer.WriteString("code", code);
            writer.WriteString("description", description);
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
