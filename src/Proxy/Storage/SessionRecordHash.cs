using System.Globalization;
using System.Text.Json;
using Proxy.Metering;
using StackExchange.Redis;

namespace Proxy.Storage;

/// <summary>
/// Maps a <see cref="SessionRecord"/> to the fields of its Redis hash (and of its <c>records</c> stream entry) and
/// back. Absent values are absent fields; numbers are decimal strings; tags and models_seen are JSON arrays.
/// </summary>
internal static class SessionRecordHash
{
    /// <summary>Every field a record can have, in the order <see cref="ToEntries"/> writes them (the columns of the
    /// CSV export).</summary>
    public static readonly IReadOnlyList<string> FieldNames =
    [
        "session_id",
        "client_session_id",
        "customer_id",
        "key_id",
        "credential",
        "plan_id",
        "instance_id",
        "deepgram_request_id",
        "agent_config_id",
        "client_opened_at_ms",
        "upstream_opened_at_ms",
        "upstream_closed_at_ms",
        "client_closed_at_ms",
        "duration_ms",
        "billable_ms",
        "close_reason",
        "close_code",
        "close_initiator",
        "upstream_status",
        "frames_in",
        "frames_out",
        "bytes_in",
        "bytes_out",
        "audio_ms_in",
        "audio_ms_out",
        "user_chars",
        "assistant_chars",
        "listen_model",
        "think_provider",
        "think_model",
        "speak_provider",
        "speak_model",
        "models_seen",
        "tags",
        "status",
        "last_seen_ms",
        "last_activity_ms",
        "estimated",
        "record_version",
        "plan_version",
        "rated_ms",
        "cost_micros",
        "currency",
        "cost_parts",
        "indicators",
    ];

    public static NameValueEntry[] ToEntries(SessionRecord record)
    {
        var entries = new List<NameValueEntry>(42);
        Add(entries, "session_id", record.SessionId);
        Add(entries, "client_session_id", record.ClientSessionId);
        Add(entries, "customer_id", record.CustomerId);
        Add(entries, "key_id", record.KeyId);
        Add(entries, "credential", record.Credential);
        Add(entries, "plan_id", record.PlanId);
        Add(entries, "instance_id", record.InstanceId);
        Add(entries, "deepgram_request_id", record.DeepgramRequestId);
        Add(entries, "agent_config_id", record.AgentConfigId);
        Add(entries, "client_opened_at_ms", record.ClientOpenedAtMs);
        Add(entries, "upstream_opened_at_ms", record.UpstreamOpenedAtMs);
        Add(entries, "upstream_closed_at_ms", record.UpstreamClosedAtMs);
        Add(entries, "client_closed_at_ms", record.ClientClosedAtMs);
        Add(entries, "duration_ms", record.DurationMs);
        Add(entries, "billable_ms", record.BillableMs);
        Add(entries, "close_reason", record.CloseReason);
        Add(entries, "close_code", record.CloseCode);
        Add(entries, "close_initiator", record.CloseInitiator);
        Add(entries, "upstream_status", record.UpstreamStatus);
        Add(entries, "frames_in", record.FramesIn);
        Add(entries, "frames_out", record.FramesOut);
        Add(entries, "bytes_in", record.BytesIn);
        Add(entries, "bytes_out", record.BytesOut);
        Add(entries, "audio_ms_in", record.AudioMsIn);
        Add(entries, "audio_ms_out", record.AudioMsOut);
        Add(entries, "user_chars", record.UserChars);
        Add(entries, "assistant_chars", record.AssistantChars);
        Add(entries, "listen_model", record.ListenModel);
        Add(entries, "think_provider", record.ThinkProvider);
        Add(entries, "think_model", record.ThinkModel);
        Add(entries, "speak_provider", record.SpeakProvider);
        Add(entries, "speak_model", record.SpeakModel);
        Add(entries, "models_seen", JsonSerializer.Serialize(record.ModelsSeen, StorageJsonContext.Default.IReadOnlyListString));
        Add(entries, "tags", JsonSerializer.Serialize(record.Tags, StorageJsonContext.Default.IReadOnlyListString));
        Add(entries, "status", record.Status);
        Add(entries, "last_seen_ms", record.LastSeenMs);
        Add(entries, "last_activity_ms", record.LastActivityMs);
        Add(entries, "estimated", record.Estimated ? "true" : "false");
        Add(entries, "record_version", record.RecordVersion);
        Add(entries, "plan_version", record.PlanVersion);
        Add(entries, "rated_ms", record.RatedMs);
        Add(entries, "cost_micros", record.CostMicros);
        Add(entries, "currency", record.Currency);
        Add(entries, "cost_parts", record.CostParts is { } parts ? JsonSerializer.Serialize(parts, MeteringJsonContext.Default.CostBreakdown) : null);
        Add(entries, "indicators", record.Indicators is { } indicators ? JsonSerializer.Serialize(indicators, MeteringJsonContext.Default.IReadOnlyDictionaryStringIndicatorOutcome) : null);
        return [.. entries];
    }

    public static HashEntry[] ToHashEntries(SessionRecord record)
    {
        var entries = ToEntries(record);
        var hash = new HashEntry[entries.Length];
        for (var i = 0; i < entries.Length; i++)
        {
            hash[i] = new HashEntry(entries[i].Name, entries[i].Value);
        }

        return hash;
    }

    public static SessionRecord? FromHash(HashEntry[] hash)
    {
        if (hash.Length == 0)
        {
            return null;
        }

        var fields = new Dictionary<string, string>(hash.Length, StringComparer.Ordinal);
        foreach (var entry in hash)
        {
            fields[entry.Name!] = entry.Value!;
        }

        return new SessionRecord
        {
            SessionId = Text(fields, "session_id") ?? string.Empty,
            ClientSessionId = Text(fields, "client_session_id"),
            CustomerId = Text(fields, "customer_id") ?? string.Empty,
            KeyId = Text(fields, "key_id") ?? string.Empty,
            Credential = Text(fields, "credential"),
            PlanId = Text(fields, "plan_id"),
            InstanceId = Text(fields, "instance_id") ?? string.Empty,
            DeepgramRequestId = Text(fields, "deepgram_request_id"),
            AgentConfigId = Text(fields, "agent_config_id"),
            ClientOpenedAtMs = Int64(fields, "client_opened_at_ms") ?? 0,
            UpstreamOpenedAtMs = Int64(fields, "upstream_opened_at_ms"),
            UpstreamClosedAtMs = Int64(fields, "upstream_closed_at_ms"),
            ClientClosedAtMs = Int64(fields, "client_closed_at_ms"),
            DurationMs = Int64(fields, "duration_ms"),
            BillableMs = Int64(fields, "billable_ms"),
            CloseReason = Text(fields, "close_reason"),
            CloseCode = (int?)Int64(fields, "close_code"),
            CloseInitiator = Text(fields, "close_initiator"),
            UpstreamStatus = (int?)Int64(fields, "upstream_status"),
            FramesIn = Int64(fields, "frames_in") ?? 0,
            FramesOut = Int64(fields, "frames_out") ?? 0,
            BytesIn = Int64(fields, "bytes_in") ?? 0,
            BytesOut = Int64(fields, "bytes_out") ?? 0,
            AudioMsIn = Int64(fields, "audio_ms_in"),
            AudioMsOut = Int64(fields, "audio_ms_out"),
            UserChars = Int64(fields, "user_chars"),
            AssistantChars = Int64(fields, "assistant_chars"),
            ListenModel = Text(fields, "listen_model"),
            ThinkProvider = Text(fields, "think_provider"),
            ThinkModel = Text(fields, "think_model"),
            SpeakProvider = Text(fields, "speak_provider"),
            SpeakModel = Text(fields, "speak_model"),
            Tags = StringList(fields, "tags"),
            ModelsSeen = StringList(fields, "models_seen"),
            Status = Text(fields, "status") ?? SessionStatus.Open,
            LastSeenMs = Int64(fields, "last_seen_ms"),
            LastActivityMs = Int64(fields, "last_activity_ms"),
            Estimated = Text(fields, "estimated") == "true",
            RecordVersion = Int64(fields, "record_version"),
            PlanVersion = (int?)Int64(fields, "plan_version"),
            RatedMs = Int64(fields, "rated_ms"),
            CostMicros = Int64(fields, "cost_micros"),
            Currency = Text(fields, "currency"),
            CostParts = Text(fields, "cost_parts") is { } parts ? JsonSerializer.Deserialize(parts, MeteringJsonContext.Default.CostBreakdown) : null,
            Indicators = Text(fields, "indicators") is { } indicators ? JsonSerializer.Deserialize(indicators, MeteringJsonContext.Default.IReadOnlyDictionaryStringIndicatorOutcome) : null,
        };
    }

    private static void Add(List<NameValueEntry> entries, string name, string? value)
    {
        if (value is not null)
        {
            entries.Add(new NameValueEntry(name, value));
        }
    }

    private static void Add(List<NameValueEntry> entries, string name, long? value)
    {
        if (value is { } number)
        {
            entries.Add(new NameValueEntry(name, number.ToString(CultureInfo.InvariantCulture)));
        }
    }

    /// <summary>A JSON array field; absent (a record written before the field existed) is empty.</summary>
    private static IReadOnlyList<string> StringList(Dictionary<string, string> fields, string name) =>
        Text(fields, name) is { } json ? JsonSerializer.Deserialize(json, StorageJsonContext.Default.IReadOnlyListString) ?? [] : [];

    private static string? Text(Dictionary<string, string> fields, string name) =>
        fields.TryGetValue(name, out var value) ? value : null;

    private static long? Int64(Dictionary<string, string> fields, string name) =>
        fields.TryGetValue(name, out var value) && long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number)
            ? number
            : null;
}
