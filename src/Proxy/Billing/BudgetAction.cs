namespace Proxy.Billing;

/// <summary>What happens when a customer's month-to-date cost reaches its monthly budget.</summary>
internal enum BudgetAction
{
    /// <summary>New sessions are refused (402 <c>budget_exhausted</c>); live ones run on.</summary>
    Refuse,

    /// <summary>New sessions are refused and live ones are closed when their running cost would cross it.</summary>
    Close,
}

/// <summary>The names of <see cref="BudgetAction"/> in the admin API and in Redis.</summary>
internal static class BudgetActions
{
    public const string Names = "refuse or close";

    public static bool TryParse(string? text, out BudgetAction action)
    {
        switch (text)
        {
            case "refuse":
                action = BudgetAction.Refuse;
                return true;
            case "close":
                action = BudgetAction.Close;
                return true;
            default:
                action = BudgetAction.Refuse;
                return false;
        }
    }

    public static string Name(BudgetAction action) => action == BudgetAction.Close ? "close" : "refuse";
}
