namespace Proxy.Admin;

/// <summary>What the admin API changed, one line each beside the audit log (<see cref="AuditLogStore"/>): ids and
/// counts only, never a secret.</summary>
internal static partial class AdminLog
{
    [LoggerMessage(EventId = 5030, Level = LogLevel.Information,
        Message = "Audit: customer {CustomerId} deleted ({KeysRevoked} keys revoked now, {Keys} keys in all); its settings, upstream key and key list are removed, its records, usage and invoices kept until their retention")]
    public static partial void CustomerDeleted(ILogger logger, string customerId, int keysRevoked, int keys);

    [LoggerMessage(EventId = 5031, Level = LogLevel.Information, Message = "Audit: deleting customer {CustomerId} refused: it is enabled (disable it first)")]
    public static partial void CustomerDeletionRefused(ILogger logger, string customerId);

    [LoggerMessage(EventId = 5032, Level = LogLevel.Information,
        Message = "Audit: upstream keys re-encrypted under master key id {MasterKeyId}: {ReEncrypted} re-encrypted, {AlreadyCurrent} already current, {Failed} failed")]
    public static partial void UpstreamKeysReEncrypted(ILogger logger, string masterKeyId, int reEncrypted, int alreadyCurrent, int failed);

    [LoggerMessage(EventId = 5055, Level = LogLevel.Error,
        Message = "Audit entry not written to Redis, recorded here instead: at_ms {AtMs} at {At} actor {Actor} role {Role} method {Method} path {Path} route {Route} status {Status} (reason: {Reason})")]
    public static partial void AuditWriteFailed(ILogger logger, long atMs, string at, string actor, string role, string method, string path, string route, int status, string reason);
}
