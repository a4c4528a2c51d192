using Proxy.Customers;

namespace Proxy.Billing;

/// <summary>
/// A customer has one currency (README, "Billing"): a plan in another currency than the customer's usage of the
/// current UTC month cannot be assigned until the month is over. The month is the attribution month of the usage
/// aggregates (a session's upstream open), read on this instance's clock.
/// </summary>
internal sealed class CustomerCurrencyRule
{
    private readonly PlanStore _plans;
    private readonly UsageCurrencyStore _usage;
    private readonly TimeProvider _time;

    public CustomerCurrencyRule(PlanStore plans, UsageCurrencyStore usage, TimeProvider time)
    {
        _plans = plans;
        _usage = usage;
        _time = time;
    }

    /// <summary>The conflict assigning <paramref name="planId"/> to the customer would make; null when there is none:
    /// no usage this month, usage in the plan's currency, or a plan label that names no plan (its sessions are not
    /// rated, so they add no currency).</summary>
    public async Task<CurrencyConflict?> ConflictAsync(string customerId, string planId)
    {
        if (!CustomerIds.IsValid(planId) || await _plans.CurrentAsync(planId).ConfigureAwait(false) is not { } plan)
        {
            return null;
        }

        var today = DateOnly.FromDateTime(_time.GetUtcNow().UtcDateTime);
        var used = await _usage.MonthToDateAsync(customerId, today).ConfigureAwait(false);
        var other = used.Where(c => c != plan.Currency).Order(StringComparer.Ordinal).FirstOrDefault();
        return other is null ? null : new CurrencyConflict(plan.Currency, other);
    }
}

/// <summary>The plan's currency and the other one the customer's usage this month is in.</summary>
internal sealed record CurrencyConflict(string PlanCurrency, string UsageCurrency);
