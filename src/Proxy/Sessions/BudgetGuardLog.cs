namespace Proxy.Sessions;

/// <summary>The live-session budget guard's log events (EventIds 7250-7299, issue 17's budget range).</summary>
internal static partial class BudgetGuardLog
{
    [LoggerMessage(EventId = 7250, Level = LogLevel.Warning,
        Message = "Closing session {SessionId} of customer {CustomerId}: {Scope} {Subject} has spent {SpentMicros} of its monthly budget of {BudgetMicros} micros in {Month} (running sessions included)")]
    public static partial void Closing(ILogger logger, string sessionId, string customerId, string scope, string subject, long spentMicros, long budgetMicros, string month);

    [LoggerMessage(EventId = 7251, Level = LogLevel.Information,
        Message = "Warned session {SessionId} of customer {CustomerId}: {Scope} {Subject} will reach its monthly budget of {BudgetMicros} micros within {Lead} ({SpentMicros} spent in {Month})")]
    public static partial void Warned(ILogger logger, string sessionId, string customerId, string scope, string subject, long spentMicros, long budgetMicros, TimeSpan lead, string month);

    [LoggerMessage(EventId = 7252, Level = LogLevel.Warning,
        Message = "Budgets with budget_action close are not enforced on live sessions while Redis is unreachable: no session is closed on a guess")]
    public static partial void Unavailable(ILogger logger);

    [LoggerMessage(EventId = 7253, Level = LogLevel.Information, Message = "Budgets with budget_action close are enforced on live sessions again")]
    public static partial void Available(ILogger logger);

    [LoggerMessage(EventId = 7254, Level = LogLevel.Error, Message = "The budget check of customer {CustomerId}'s live sessions failed")]
    public static partial void CheckFailed(ILogger logger, string customerId, Exception exception);
}
