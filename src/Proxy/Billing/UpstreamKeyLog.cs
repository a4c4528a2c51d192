namespace Proxy.Billing;

/// <summary>Log events of customers' provisioned Deepgram keys (EventIds 7660-7669). Key ids only, never a key.</summary>
internal static partial class UpstreamKeyLog
{
    [LoggerMessage(EventId = 7660, Level = LogLevel.Information,
        Message = "Customer {CustomerId}: Deepgram key {DeepgramKeyId} created and in use; retiring {RetiredDeepgramKeyId}")]
    public static partial void Provisioned(ILogger logger, string customerId, string deepgramKeyId, string? retiredDeepgramKeyId);

    [LoggerMessage(EventId = 7661, Level = LogLevel.Information,
        Message = "Customer {CustomerId}: Deepgram key {DeepgramKeyId} created but not stored ({Reason}); deleting it at Deepgram")]
    public static partial void NotStored(ILogger logger, string customerId, string deepgramKeyId, string reason);

    [LoggerMessage(EventId = 7662, Level = LogLevel.Error,
        Message = "Customer {CustomerId}: Deepgram key {DeepgramKeyId} was created, and whether it was stored is unknown (Redis failed); delete it at Deepgram unless GET /admin/v1/customers/{CustomerId} names it")]
    public static partial void StoredUnknown(ILogger logger, string customerId, string deepgramKeyId, Exception exception);

    [LoggerMessage(EventId = 7663, Level = LogLevel.Information,
        Message = "Customer {CustomerId}: retired Deepgram key {DeepgramKeyId} deleted at Deepgram (retired at {RetiredAtMs}, already gone: {AlreadyGone})")]
    public static partial void Deleted(ILogger logger, string customerId, string deepgramKeyId, long retiredAtMs, bool alreadyGone);

    [LoggerMessage(EventId = 7664, Level = LogLevel.Warning,
        Message = "Customer {CustomerId}: retired Deepgram key {DeepgramKeyId} could not be deleted at Deepgram ({Failure}: {Reason}); retried next pass")]
    public static partial void DeleteFailed(ILogger logger, string customerId, string deepgramKeyId, DeepgramManagementFailure failure, string reason);

    [LoggerMessage(EventId = 7665, Level = LogLevel.Warning, Message = "Retiring customers' Deepgram keys failed this pass")]
    public static partial void PassFailed(ILogger logger, Exception exception);
}
