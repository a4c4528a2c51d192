using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Proxy.Billing;
using Proxy.Customers;
using Proxy.Gateway;
using Proxy.Runtime;
using Proxy.Storage;
using Proxy.Telemetry;
using Proxy.Tests.TestSupport;

namespace Proxy.Tests.Gateway;

/// <summary>The budget step against a real redis-server: month-to-date cost from the customer's month hash against
/// the customer's and the key's monthly budget, the 80 % warning, and the fail_open / fail_closed answers when Redis
/// cannot be asked.</summary>
public sealed class BudgetStepTests : IAsyncLifetime, IDisposable
{
    private static readonly RedisKeys Keys = new("dgp:");
    private static readonly DateOnly December = new(2026, 12, 7);
    private FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero));
    private readonly TestLifetime _lifetime = new();
    private readonly TestStorageStatus _storage = new(IsRedisConnected: true, IsSpoolFull: false, FailOpen: true);
    private readonly BudgetWarnings _warnings = new();
    private readonly System.Diagnostics.Metrics.IMeterFactory _meters = TestMetrics.NewMeterFactory();
    private RedisServer? _redis;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    public void Dispose() => _lifetime.Dispose();

    [Fact]
    public async Task Without_a_budget_the_step_admits_whatever_was_spent()
    {
        await SpendAsync(December, customerMicros: 10_000_000, keyMicros: 10_000_000);
        Assert.Null(await Step().RunAsync(Request(customerBudget: null, keyBudget: null)));
        Assert.Null(await Step().RunAsync(Request(customerBudget: 0, keyBudget: 0)));
    }

    [Fact]
    public async Task Below_the_customers_budget_the_session_is_admitted()
    {
        await SpendAsync(December, customerMicros: 199_999, keyMicros: 0);
        Assert.Null(await Step().RunAsync(Request(customerBudget: 200_000)));
    }

    [Fact]
    public async Task At_the_customers_budget_the_session_is_refused_with_402_budget_exhausted_and_counted()
    {
        using var refusals = new MetricCollector<long>(_meters, ProxyMetrics.MeterName, "dgproxy.budget.refusals");
        await SpendAsync(December, customerMicros: 200_000, keyMicros: 0);

        var refusal = await Step().RunAsync(Request(customerBudget: 200_000));

        Assert.Equal((402, "budget_exhausted", "key_1"), (refusal?.StatusCode, refusal?.Error, refusal?.KeyId));
        Assert.Equal("The customer's monthly budget is exhausted: 200000 of 200000 micros spent in 2026-12 (UTC).", refusal!.Message);
        var counted = Assert.Single(refusals.GetMeasurementSnapshot(), m => m.Value > 0);
        Assert.Equal((1L, "customer"), (counted.Value, counted.Tags["scope"]));
    }

    [Fact]
    public async Task At_the_keys_budget_the_session_is_refused_naming_the_key_even_when_the_customer_has_budget_left()
    {
        using var refusals = new MetricCollector<long>(_meters, ProxyMetrics.MeterName, "dgproxy.budget.refusals");
        await SpendAsync(December, customerMicros: 300_000, keyMicros: 150_000);

        var refusal = await Step().RunAsync(Request(customerBudget: 1_000_000, keyBudget: 150_000));

        Assert.Equal((402, "budget_exhausted"), (refusal?.StatusCode, refusal?.Error));
        Assert.Equal("The key key_1's monthly budget is exhausted: 150000 of 150000 micros spent in 2026-12 (UTC).", refusal!.Message);
        Assert.Equal("key", Assert.Single(refusals.GetMeasurementSnapshot(), m => m.Value > 0).Tags["scope"]);
    }

    [Fact]
    public async Task Last_months_cost_does_not_count_in_a_new_utc_month()
    {
        await SpendAsync(new DateOnly(2026, 11, 30), customerMicros: 500_000, keyMicros: 500_000);
        var lastSecondOfNovember = Request(customerBudget: 200_000, at: new DateTimeOffset(2026, 11, 30, 23, 59, 59, TimeSpan.Zero));
        Assert.Equal("budget_exhausted", (await Step().RunAsync(lastSecondOfNovember))?.Error);

        var firstOfDecember = Request(customerBudget: 200_000, keyBudget: 200_000, at: new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        Assert.Null(await Step().RunAsync(firstOfDecember));
    }

    [Fact]
    public async Task At_80_percent_a_warning_is_counted_once_per_month_and_the_session_is_admitted()
    {
        using var warnings = new MetricCollector<long>(_meters, ProxyMetrics.MeterName, "dgproxy.budget.warnings");
        await SpendAsync(December, customerMicros: 160_000, keyMicros: 79_999);
        var step = Step();

        Assert.Null(await step.RunAsync(Request(customerBudget: 200_000, keyBudget: 100_000)));
        Assert.Null(await step.RunAsync(Request(customerBudget: 200_000, keyBudget: 100_000)));

        var warned = Assert.Single(warnings.GetMeasurementSnapshot(), m => m.Value > 0);
        Assert.Equal("customer", warned.Tags["scope"]);
    }

    [Fact]
    public async Task With_redis_unreachable_fail_open_admits_without_the_check()
    {
        await SpendAsync(December, customerMicros: 500_000, keyMicros: 0);
        _storage.IsRedisConnected = false;
        Assert.Null(await Step().RunAsync(Request(customerBudget: 200_000)));
    }

    [Fact]
    public async Task A_key_checked_from_memory_is_not_budget_checked_under_fail_open_and_refused_under_fail_closed()
    {
        await SpendAsync(December, customerMicros: 500_000, keyMicros: 0);
        var fromMemory = Request(customerBudget: 200_000);
        fromMemory.Authentication = fromMemory.Authentication! with { FromMemory = true };
        Assert.Null(await Step().RunAsync(fromMemory));

        _storage.FailOpen = false;
        Assert.Equal("not_ready", (await Step().RunAsync(fromMemory))?.Error);
    }

    [Fact]
    public async Task With_redis_unreachable_fail_closed_answers_503_not_ready()
    {
        _storage.IsRedisConnected = false;
        _storage.FailOpen = false;
        var refusal = await Step().RunAsync(Request(customerBudget: 200_000));
        Assert.Equal((503, "not_ready"), (refusal?.StatusCode, refusal?.Error));
    }

    [Fact]
    public async Task A_redis_that_stops_answering_follows_the_failure_mode_too()
    {
        await SpendAsync(December, customerMicros: 500_000, keyMicros: 0);
        await _redis!.KillAsync();
        _storage.FailOpen = false;

        var refusal = await Step().RunAsync(Request(customerBudget: 200_000));

        Assert.Equal((503, "not_ready"), (refusal?.StatusCode, refusal?.Error));
    }

    private async Task SpendAsync(DateOnly day, long customerMicros, long keyMicros)
    {
        var month = Keys.UsageMonth("acme", day);
        await _redis!.Database.HashSetAsync(month, "cost_micros", customerMicros);
        await _redis.Database.HashSetAsync(month, BudgetStore.KeyCostField("key_1"), keyMicros);
    }

    private AdmissionRequest Request(long? customerBudget, long? keyBudget = null, DateTimeOffset? at = null)
    {
        if (at is { } now)
        {
            _time = new FakeTimeProvider(now);
        }

        var customer = AdmissionRequests.Customer();
        if (customerBudget is { } budget)
        {
            customer = customer with { Settings = BudgetSettings.MonthlyBudget.Set(CustomerSettings.None, budget) };
        }

        var request = AdmissionRequests.Authenticated(customer);
        request.Authentication = request.Authentication! with { Key = request.Key with { MonthlyBudgetMicros = keyBudget } };
        return request;
    }

    private BudgetStep Step() => new(
        new BudgetStore(_redis!.Connection!, Keys),
        _warnings,
        new ProxyReadiness(_storage, _lifetime),
        TestMetrics.Create(_meters),
        _time,
        NullLogger<BudgetStep>.Instance);
}
