using System.Text.Json.Serialization;

namespace Proxy.Admin;

// Admin API bodies. JSON names are the snake_case of the property names (see AdminJsonContext).

internal sealed record ErrorBody(string Error, string Message);

internal sealed record CustomerUpsertBody(string? Name, string? Plan, bool? Disabled);

internal sealed record IssueKeyBody(System.Text.Json.JsonElement? ExpiresAt);

internal sealed record UpstreamKeyBody(string? ApiKey);

internal sealed record CustomerView(
    string CustomerId, string? Name, string? Plan, bool Disabled, long CreatedAtMs, bool HasUpstreamKey, UpstreamKeyView? UpstreamKey = null);

/// <summary>The customer's own Deepgram key, without the key: <paramref name="Source"/> provisioned (created through
/// Deepgram's keys API) or set (PUT), Deepgram's id of it when known, and since when (null for a key stored before
/// that was recorded).</summary>
internal sealed record UpstreamKeyView(string Source, string? DeepgramKeyId, long? SinceMs);

/// <summary>What POST …/upstream-key/provision and …/rotate did: the Deepgram key now in force (its id; the key itself
/// never leaves the gateway) and the provisioned one it replaced, deleted at Deepgram once its sessions have ended.</summary>
internal sealed record UpstreamKeyProvisioned(string CustomerId, string DeepgramKeyId, string? RetiringDeepgramKeyId);

/// <summary>A page of customers by id; <paramref name="NextCursor"/> asks for the page after it (null on the last).</summary>
internal sealed record CustomerList(IReadOnlyList<CustomerView> Customers, string? NextCursor = null);

/// <summary>What DELETE /admin/v1/customers/{customerId} did.</summary>
internal sealed record CustomerDeleted(string CustomerId, int KeysRevoked);

internal sealed record KeyView(string KeyId, string CustomerId, string Prefix, string Status, long CreatedAtMs, long? ExpiresAtMs, long? RevokedAtMs, long? MonthlyBudgetMicros = null);

/// <summary>A page of a customer's keys, oldest first; <paramref name="NextCursor"/> asks for the page after it (null
/// on the last).</summary>
internal sealed record KeyList(IReadOnlyList<KeyView> Keys, string? NextCursor = null);

/// <summary>The only response that ever carries a proxy key's secret.</summary>
internal sealed record IssuedKeyView(string KeyId, string Key, string CustomerId, string Prefix, long CreatedAtMs, long? ExpiresAtMs);

/// <summary>A page of records, newest first; <paramref name="NextCursor"/> asks for the page after it (null on the last).</summary>
internal sealed record SessionList(IReadOnlyList<Metering.SessionRecord> Sessions, string? NextCursor = null);

internal sealed record InstanceInfo(
    string InstanceId, string Environment, string UpstreamUrl, IReadOnlyList<string> ConfigFiles, int LiveSessions,
    bool RedisConnected, string SpoolDirectory, long SpoolPendingBytes);

/// <summary>One instance as it last wrote itself to the instance registry; <paramref name="Stale"/> when it has not
/// written for three of its intervals.</summary>
internal sealed record InstanceStatusView(
    string InstanceId, bool Ready, bool RedisConnected, int LiveSessions, long SpoolPendingBytes, long StartedAtMs, long LastSeenMs, bool Stale);

internal sealed record InstanceStatusList(IReadOnlyList<InstanceStatusView> Instances);

/// <summary>A customer's settings by their admin names (null: inherited), and the values in force; each setting
/// renders itself (<see cref="Customers.CustomerSetting"/>).</summary>
internal sealed record CustomerSettingsView(string CustomerId, System.Text.Json.Nodes.JsonObject Overrides, System.Text.Json.Nodes.JsonObject Effective);

internal sealed record LiveSessionView(
    string SessionId, string CustomerId, string KeyId, string InstanceId, string? ClientSessionId, string? DeepgramRequestId,
    long ClientOpenedAtMs, long? UpstreamOpenedAtMs, long? LastSeenMs, long? IdleMs, long FramesIn, long FramesOut, long BytesIn, long BytesOut,
    long LeaseExpiresAtMs);

internal sealed record LiveSessionList(IReadOnlyList<LiveSessionView> Sessions);

internal sealed record CloseAccepted(string Target, int LiveSessions);

/// <summary>An outcome indicator as recorded on the session (the earlier post's for a repeat); no
/// <c>record_version</c> while the session is open (its record gets version 1 when final).</summary>
internal sealed record IndicatorView(
    string SessionId,
    string Name,
    decimal Value,
    long FeeMicros,
    long AtMs,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? RecordVersion);

/// <summary>Who the token presented is (GET /admin/v1/whoami): its name and role, never the token.</summary>
internal sealed record WhoAmIView(string Name, string Role);

/// <summary>One change asked of the admin API: who (the token's name), what (method, path, route) and the answer's
/// status. Never a body, never a token.</summary>
internal sealed record AuditEntryView(string Id, long AtMs, string At, string Actor, string Role, string Method, string Path, string Route, int Status);

/// <summary>A page of the audit log, newest first; <paramref name="NextCursor"/> asks for the page after it (null on
/// the last).</summary>
internal sealed record AuditList(IReadOnlyList<AuditEntryView> Entries, string? NextCursor = null);
