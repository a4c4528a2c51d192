using Proxy.Customers;

namespace Proxy.Sessions;

internal static partial class SessionControlLog
{
    [LoggerMessage(EventId = 5000, Level = LogLevel.Information, Message = "Closing session {SessionId} of customer {CustomerId}: {CloseReason} (client Close {CloseCode})")]
    public static partial void ForcedClose(ILogger logger, string sessionId, string customerId, string closeReason, int closeCode);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Error, Message = "Closing session {SessionId} failed")]
    public static partial void CloseFailed(ILogger logger, string sessionId, Exception exception);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Warned session {SessionId}: {Code}")]
    public static partial void Warned(ILogger logger, string sessionId, string code);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Error, Message = "Session sweep failed")]
    public static partial void SweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "Heartbeat of {Count} sessions of customer {CustomerId} failed: {Reason}")]
    public static partial void HeartbeatFailed(ILogger logger, int count, string customerId, string reason);

    [LoggerMessage(EventId = 5020, Level = LogLevel.Warning, Message = "Heartbeats kept beside the spool could not be written or replayed: {Reason}")]
    public static partial void HeartbeatSpoolFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Information, Message = "Settings of customer {CustomerId} applied to {Count} live sessions")]
    public static partial void SettingsApplied(ILogger logger, string customerId, int count);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Warning, Message = "Control message could not be handled: {Message}")]
    public static partial void ControlMessageFailed(ILogger logger, string message, Exception exception);

    [LoggerMessage(EventId = 5014, Level = LogLevel.Warning, Message = "Heartbeat recheck closes session {SessionId} of customer {CustomerId}: {CloseReason}")]
    public static partial void RecheckClose(ILogger logger, string sessionId, string customerId, string closeReason);

    [LoggerMessage(EventId = 5009, Level = LogLevel.Warning, Message = "Cannot subscribe to the control channel yet, retrying: {Reason}")]
    public static partial void SubscribeFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Information, Message = "Draining: {Count} live sessions get {DrainTimeout} before they are closed")]
    public static partial void Draining(ILogger logger, int count, TimeSpan drainTimeout);

    [LoggerMessage(EventId = 5008, Level = LogLevel.Information, Message = "Drain over: {Count} sessions closed with 1012, all records final")]
    public static partial void Drained(ILogger logger, int count);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Warning, Message = "{LeadKey} ({Lead}) is not shorter than {LimitKey} ({Limit}): shortened to {Effective}, half of it")]
    private static partial void ConfiguredLeadShortened(ILogger logger, string leadKey, TimeSpan lead, string limitKey, TimeSpan limit, TimeSpan effective);

    [LoggerMessage(EventId = 5011, Level = LogLevel.Information, Message = "Customer {CustomerId}: {LeadSetting} {LeadMs} is not shorter than {LimitSetting} {LimitMs}: shortened to {EffectiveMs} ms, half of it")]
    private static partial void CustomerLeadShortened(ILogger logger, string customerId, string leadSetting, long leadMs, string limitSetting, long limitMs, long effectiveMs);

    /// <summary>The configuration's leads that were shortened, in its own key names (logged once, at start).</summary>
    public static void LeadsShortened(ILogger logger, List<ShortenedLead> shortened)
    {
        foreach (var lead in shortened)
        {
            var (leadSetting, limitSetting) = Settings(lead.Limit);
            ConfiguredLeadShortened(logger, leadSetting.ConfigKey!, lead.Lead, limitSetting.ConfigKey!, lead.LimitValue, lead.Effective);
        }
    }

    /// <summary>A customer's leads that were shortened, in the admin API's setting names (logged once per change).</summary>
    public static void LeadsShortened(ILogger logger, string customerId, List<ShortenedLead> shortened)
    {
        foreach (var lead in shortened)
        {
            var (leadSetting, limitSetting) = Settings(lead.Limit);
            var (leadMs, limitMs, effectiveMs) = ((long)lead.Lead.TotalMilliseconds, (long)lead.LimitValue.TotalMilliseconds, (long)lead.Effective.TotalMilliseconds);
            CustomerLeadShortened(logger, customerId, leadSetting.Name, leadMs, limitSetting.Name, limitMs, effectiveMs);
        }
    }

    private static (CustomerSetting Lead, CustomerSetting Limit) Settings(WarnedLimit limit) => limit == WarnedLimit.IdleTimeout
        ? (SessionSettings.IdleWarningLead.Setting, SessionSettings.IdleTimeout.Setting)
        : (SessionSettings.MaxDurationWarningLead.Setting, SessionSettings.MaxDuration.Setting);

    [LoggerMessage(EventId = 5012, Level = LogLevel.Warning, Message = "Could not unsubscribe from the control channel while stopping (Redis unreachable); its connection closes with the process: {Reason}")]
    public static partial void UnsubscribeFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 5013, Level = LogLevel.Error, Message = "Drain over with {Count} sessions whose final record is not written yet; the process stops now")]
    public static partial void DrainIncomplete(ILogger logger, int count);

    [LoggerMessage(EventId = 5050, Level = LogLevel.Warning, Message = "Could not renew the leases of {Count} sessions on a capped Deepgram key ({Fingerprint}): {Reason}")]
    public static partial void UpstreamKeyLeaseRenewFailed(ILogger logger, int count, string fingerprint, string reason);

    [LoggerMessage(EventId = 5051, Level = LogLevel.Warning, Message = "Could not release session {SessionId}'s lease on a capped Deepgram key ({Fingerprint}); it expires after Sessions:LeaseTtl: {Reason}")]
    public static partial void UpstreamKeyLeaseReleaseFailed(ILogger logger, string sessionId, string fingerprint, string reason);
}
