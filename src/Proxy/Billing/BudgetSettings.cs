using System.Text.Json.Nodes;
using Proxy.Customers;

namespace Proxy.Billing;

/// <summary>
/// The per-customer budget settings, each described once (name, values, range) like the session settings: the
/// admin API parses, checks and shows them from here and the customer store keeps them under <c>settings.</c>.
/// Neither has a configured default: no budget unless a customer is given one, and <c>refuse</c> when it is.
/// </summary>
internal static class BudgetSettings
{
    public static readonly WholeNumberSetting<long> MonthlyBudget = new("monthly_budget_micros", configKey: null, "no budget", unit: "micro-units");

    public static readonly ChoiceSetting<BudgetAction> Action =
        new("budget_action", configKey: null, BudgetActions.Names, BudgetActions.TryParse, BudgetActions.Name);

    /// <summary>In the order the admin API shows them.</summary>
    public static readonly IReadOnlyList<CustomerSetting> All = [MonthlyBudget, Action];

    /// <summary>The customer's monthly budget in micro-units; 0 when it has none.</summary>
    public static long MonthlyBudgetMicros(CustomerSettings settings) => MonthlyBudget.Read(settings) ?? 0;

    public static BudgetAction ActionOf(CustomerSettings settings) => Action.Read(settings) ?? BudgetAction.Refuse;

    /// <summary>The value in force for each budget setting, as admin JSON.</summary>
    public static IEnumerable<KeyValuePair<string, JsonNode>> EffectiveJson(CustomerSettings settings)
    {
        yield return new(MonthlyBudget.Name, MonthlyBudget.ToJson(MonthlyBudgetMicros(settings)));
        yield return new(Action.Name, Action.ToJson(ActionOf(settings)));
    }
}
