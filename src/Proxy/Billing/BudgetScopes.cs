namespace Proxy.Billing;

/// <summary>Whose monthly budget: the <c>scope</c> label of the budget metrics and log events.</summary>
internal static class BudgetScopes
{
    public const string Customer = "customer";
    public const string Key = "key";
}
