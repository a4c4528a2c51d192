namespace Proxy.Billing;

/// <summary>Budget log events (EventIds 7200-7299).</summary>
internal static partial class BudgetLog
{
    [LoggerMessage(EventId = 7200, Level = LogLevel.Warning,
        Message = "Budget warning: {Scope} {Subject} of customer {CustomerId} has spent {SpentMicros} of its monthly budget of {BudgetMicros} micros in {Month}")]
    public static partial void BudgetWarning(ILogger logger, string scope, string subject, string customerId, long spentMicros, long budgetMicros, string month);

    [LoggerMessage(EventId = 7201, Level = LogLevel.Information,
        Message = "Session refused: {Scope} {Subject} of customer {CustomerId} has spent {SpentMicros} of its monthly budget of {BudgetMicros} micros in {Month}")]
    public static partial void BudgetExhausted(ILogger logger, string scope, string subject, string customerId, long spentMicros, long budgetMicros, string month);

    [LoggerMessage(EventId = 7202, Level = LogLevel.Warning,
        Message = "The month-to-date cost of customer {CustomerId} could not be read; the budget check is skipped (fail_open) or the session refused (fail_closed)")]
    public static partial void MonthToDateUnavailable(ILogger logger, string customerId, Exception exception);
}
