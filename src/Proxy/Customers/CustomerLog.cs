namespace Proxy.Customers;

internal static partial class CustomerLog
{
    [LoggerMessage(EventId = 5040, Level = LogLevel.Information, Message = "Customer list checked: {Added} existing customers were added to it")]
    public static partial void IndexBackfilled(ILogger logger, long added);

    [LoggerMessage(EventId = 5041, Level = LogLevel.Warning, Message = "Customer list check failed, retrying")]
    public static partial void IndexBackfillFailed(ILogger logger, Exception exception);
}
