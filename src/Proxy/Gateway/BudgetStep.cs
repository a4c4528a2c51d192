using System.Globalization;
using Proxy.Billing;
using Proxy.Runtime;
using Proxy.Storage;
using Proxy.Telemetry;

namespace Proxy.Gateway;

/// <summary>
/// The monthly budgets: refuses a new session with 402 <c>budget_exhausted</c> once the customer's (or the key's)
/// month-to-date cost, read from the month hash in Redis (so every instance sees the same number), has reached its
/// budget. The month is the UTC month of now. At 80 % a warning is counted and logged once per customer or key per
/// month per instance. With Redis unreachable it follows <c>Storage:FailureMode</c>: fail_open admits without the
/// check, fail_closed answers 503 <c>not_ready</c>.
/// </summary>
internal sealed class BudgetStep : IAdmissionStep
{
    public const string CustomerScope = BudgetScopes.Customer;
    public const string KeyScope = BudgetScopes.Key;

    private readonly BudgetStore _store;
    private readonly BudgetWarnings _warnings;
    private readonly ProxyReadiness _readiness;
    private readonly ProxyMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<BudgetStep> _logger;

    public BudgetStep(BudgetStore store, BudgetWarnings warnings, ProxyReadiness readiness, ProxyMetrics metrics, TimeProvider time, ILogger<BudgetStep> logger)
    {
        _store = store;
        _warnings = warnings;
        _readiness = readiness;
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    public async ValueTask<AdmissionRefusal?> RunAsync(AdmissionRequest request)
    {
        var customer = request.Customer;
        var key = request.Key;
        var customerBudget = BudgetSettings.MonthlyBudgetMicros(customer.Settings);
        var keyBudget = key.MonthlyBudgetMicros ?? 0;
        if (customerBudget <= 0 && keyBudget <= 0)
        {
            return null;
        }

        var today = DateOnly.FromDateTime(_time.GetUtcNow().UtcDateTime);
        var month = today.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        if (await ReadSpentAsync(request, today).ConfigureAwait(false) is not { } spent)
        {
            return StorageUnreachable.Refusal(_readiness, key.KeyId);
        }

        return Check(CustomerScope, customer.CustomerId, customerBudget, spent.CustomerMicros, request, month)
            ?? Check(KeyScope, key.KeyId, keyBudget, spent.KeyMicros, request, month);
    }

    /// <summary>The month-to-date cost; null when Redis cannot be asked.</summary>
    private async Task<MonthToDateCost?> ReadSpentAsync(AdmissionRequest request, DateOnly today)
    {
        // A key checked from memory means Redis was down a moment ago: the month-to-date cost cannot be known either.
        if (!_readiness.IsRedisConnected || request.Authentication?.FromMemory == true)
        {
            return null;
        }

        try
        {
            return await _store.ReadAsync(request.Customer.CustomerId, request.Key.KeyId, today).ConfigureAwait(false);
        }
        catch (StorageUnavailableException ex)
        {
            BudgetLog.MonthToDateUnavailable(_logger, request.Customer.CustomerId, ex);
            return null;
        }
    }

    private AdmissionRefusal? Check(string scope, string subject, long budgetMicros, long spentMicros, AdmissionRequest request, string month)
    {
        if (budgetMicros <= 0)
        {
            return null;
        }

        var customerId = request.Customer.CustomerId;
        if (BudgetWarnings.Reached(spentMicros, budgetMicros) && _warnings.TryFirst(scope, subject, month))
        {
            _metrics.BudgetWarned(scope);
            BudgetLog.BudgetWarning(_logger, scope, subject, customerId, spentMicros, budgetMicros, month);
        }

        if (spentMicros < budgetMicros)
        {
            return null;
        }

        _metrics.BudgetRefused(scope);
        BudgetLog.BudgetExhausted(_logger, scope, subject, customerId, spentMicros, budgetMicros, month);
        var whose = scope == CustomerScope ? "The customer's" : $"The key {subject}'s";
        return new AdmissionRefusal(StatusCodes.Status402PaymentRequired, "budget_exhausted",
            $"{whose} monthly budget is exhausted: {spentMicros} of {budgetMicros} micros spent in {month} (UTC).")
        {
            KeyId = request.Key.KeyId,
        };
    }
}
