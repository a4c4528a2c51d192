using System.Text.Json;
using Proxy.Billing;
using Proxy.Customers;

namespace Proxy.Tests.Billing;

/// <summary>The budget settings as the admin API takes them: one description gives the rule, the stored text and the
/// JSON shown back.</summary>
public sealed class BudgetSettingsTests
{
    [Fact]
    public void A_budget_in_micros_and_an_action_are_stored_and_read_back()
    {
        var settings = Parse(BudgetSettings.MonthlyBudget, "200000");
        settings = settings.With(BudgetSettings.Action, Stored(BudgetSettings.Action, "\"close\""));

        Assert.Equal(200_000, BudgetSettings.MonthlyBudgetMicros(settings));
        Assert.Equal(BudgetAction.Close, BudgetSettings.ActionOf(settings));
        Assert.Equal("200000", settings.StoredText(BudgetSettings.MonthlyBudget));
    }

    [Fact]
    public void Without_overrides_there_is_no_budget_and_the_action_is_refuse()
    {
        Assert.Equal(0, BudgetSettings.MonthlyBudgetMicros(CustomerSettings.None));
        Assert.Equal(BudgetAction.Refuse, BudgetSettings.ActionOf(CustomerSettings.None));
        var effective = BudgetSettings.EffectiveJson(CustomerSettings.None).ToDictionary(e => e.Key, e => e.Value.ToJsonString());
        Assert.Equal("0", effective["monthly_budget_micros"]);
        Assert.Equal("\"refuse\"", effective["budget_action"]);
    }

    [Fact]
    public void A_negative_budget_is_refused_naming_monthly_budget_micros()
    {
        Assert.Equal("monthly_budget_micros must be 0 (no budget) or more micro-units (got -1).", Error(BudgetSettings.MonthlyBudget, "-1"));
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("\"100\"")]
    [InlineData("true")]
    public void A_budget_that_is_not_a_whole_number_is_refused(string json)
    {
        Assert.Equal("monthly_budget_micros must be a whole number of micro-units, or null to inherit.", Error(BudgetSettings.MonthlyBudget, json));
    }

    [Theory]
    [InlineData("\"stop\"")]
    [InlineData("\"Refuse\"")]
    [InlineData("1")]
    public void An_unknown_action_is_refused_naming_budget_action_and_the_choices(string json)
    {
        Assert.Equal("budget_action must be refuse or close, or null to inherit.", Error(BudgetSettings.Action, json));
    }

    [Fact]
    public void A_budget_up_to_int64_max_is_allowed()
    {
        Assert.Null(Error(BudgetSettings.MonthlyBudget, long.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Null(Error(BudgetSettings.MonthlyBudget, "0"));
    }

    private static CustomerSettings Parse(CustomerSetting setting, string json) =>
        CustomerSettings.None.With(setting, Stored(setting, json));

    private static string Stored(CustomerSetting setting, string json)
    {
        using var document = JsonDocument.Parse(json);
        Assert.True(setting.TryParse(document.RootElement, out var stored, out var error), error);
        return stored;
    }

    private static string? Error(CustomerSetting setting, string json)
    {
        using var document = JsonDocument.Parse(json);
        return setting.TryParse(document.RootElement, out _, out var error) ? null : error;
    }
}
