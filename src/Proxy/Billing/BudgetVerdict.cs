namespace Proxy.Billing;

/// <summary>What a budget with <c>budget_action</c> <c>close</c> asks of the live sessions it covers.</summary>
internal enum BudgetVerdict
{
    /// <summary>No budget, or the spend stays below it for longer than the warning lead.</summary>
    None,

    /// <summary>The spend, with what the live sessions accrue within the warning lead, reaches the budget.</summary>
    Warn,

    /// <summary>The spend, finalized sessions plus the live ones' running cost, has reached the budget.</summary>
    Close,
}

/// <summary>The guard's rule, kept apart so it is one line to read and to test.</summary>
internal static class BudgetVerdicts
{
    public static BudgetVerdict Judge(long budgetMicros, SpentSoFar spent) =>
        budgetMicros <= 0 ? BudgetVerdict.None
        : spent.NowMicros >= budgetMicros ? BudgetVerdict.Close
        : spent.WithinLeadMicros >= budgetMicros ? BudgetVerdict.Warn
        : BudgetVerdict.None;
}
