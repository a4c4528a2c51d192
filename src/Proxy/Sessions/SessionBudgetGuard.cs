using System.Collections.Concurrent;
using System.Globalization;
using Proxy.Billing;
using Proxy.Customers;
using Proxy.Storage;
using Proxy.Telemetry;

namespace Proxy.Sessions;

/// <summary>
/// The <c>close</c> budget action on live sessions. Every <see cref="Interval"/>, for each customer with live sessions
/// here whose <c>budget_action</c> is <c>close</c> and that has a monthly budget (its own or its sessions' keys'):
/// rates each session as if it ended now and after the warning lead, publishes those running costs and reads the
/// cluster-wide spend (<see cref="BudgetRunningStore"/>: the month hash plus every instance's live sessions), then
/// warns the sessions a budget is about to cover (<c>SESSION_BUDGET_EXHAUSTED</c> Warning, once per session) and
/// closes those whose budget the spend has reached (Error <c>SESSION_BUDGET_EXHAUSTED</c>, Close 1000, reason
/// <c>budget_exhausted</c>) through <see cref="SessionCloser"/>. The warning lead is the session's max-duration
/// warning lead (<c>Sessions:MaxDurationWarningLead</c> or the customer's override). Only sessions opened in the
/// current UTC month count and are closed: an older session's cost belongs to its own month. While Redis is
/// unreachable nothing is closed: the spend is not known.
/// </summary>
internal sealed class SessionBudgetGuard : BackgroundService
{
    /// <summary>How often the budgets are checked: a session may run this much (plus a round trip) past its budget.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <summary>A published running cost counts this long: a few missed checks of a busy instance, or the death of
    /// the instance, and its sessions stop counting (the spend is then under-stated, never over-stated).</summary>
    public static readonly TimeSpan EntryTtl = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan WarningBeforeCloseTimeout = TimeSpan.FromMilliseconds(500);

    private readonly SessionRegistry _registry;
    private readonly RedisConnectionState _connection;
    private readonly CustomerStore _customers;
    private readonly IPlanVersions _plans;
    private readonly BudgetRunningStore _store;
    private readonly SessionCloser _closer;
    private readonly ProxyMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<SessionBudgetGuard> _logger;

    // Sessions that got their budget warning (pruned to the live ones each check).
    private readonly ConcurrentDictionary<string, byte> _warned = new(StringComparer.Ordinal);

    // Sessions this guard has started to close (counted once).
    private readonly ConcurrentDictionary<string, byte> _closing = new(StringComparer.Ordinal);
    private bool _unavailableLogged;

    public SessionBudgetGuard(
        SessionRegistry registry,
        RedisConnectionState connection,
        CustomerStore customers,
        IPlanVersions plans,
        BudgetRunningStore store,
        SessionCloser closer,
        ProxyMetrics metrics,
        TimeProvider time,
        ILogger<SessionBudgetGuard> logger)
    {
        _registry = registry;
        _connection = connection;
        _customers = customers;
        _plans = plans;
        _store = store;
        _closer = closer;
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    /// <summary>One check of every customer with live sessions here; the periodic loop calls it.</summary>
    public async Task CheckAsync()
    {
        Prune(_warned);
        Prune(_closing);

        if (!_connection.IsConnected)
        {
            Unavailable();
            return;
        }

        var live = _registry.Snapshot().Where(s => s.UpstreamOpened && !s.TunnelEnded).GroupBy(s => s.Identity.CustomerId);
        var results = await Task.WhenAll(live.Select(g => CheckCustomerAsync(g.Key, [.. g]))).ConfigureAwait(false);
        if (results.Contains(false))
        {
            Unavailable();
        }
        else if (_unavailableLogged)
        {
            _unavailableLogged = false;
            BudgetGuardLog.Available(_logger);
        }
    }

    /// <summary>The running cost of each session opened in the month of <paramref name="nowMs"/>, by the plan version
    /// in force at its open (a session whose plan is unknown counts 0: it will be stored unrated).</summary>
    internal async Task<List<RunningCostEntry>> RunningCostsAsync(IReadOnlyList<AgentSession> sessions, long nowMs, long nowTimestamp)
    {
        var entries = new List<RunningCostEntry>(sessions.Count);
        foreach (var session in sessions)
        {
            var openedAtMs = session.UpstreamOpenedAtMs;
            if (!InMonthOf(openedAtMs, nowMs) || session.Identity.PlanId is not { Length: > 0 } planId
                || await _plans.InForceAsync(planId, openedAtMs).ConfigureAwait(false) is not { } plan)
            {
                continue;
            }

            var elapsedMs = (long)_time.GetElapsedTime(session.UpstreamOpenedTimestamp, nowTimestamp).TotalMilliseconds;
            var leadMs = (long)Math.Max(0, session.Policy.MaxDurationWarningLead.TotalMilliseconds);
            var settings = session.Settings;
            var cost = LiveSessionCost.Of(plan, Math.Max(0, elapsedMs), leadMs, settings?.ListenModel, settings?.ThinkModel, settings?.SpeakModel);
            entries.Add(new RunningCostEntry(session.SessionId, session.Identity.KeyId, cost));
        }

        return entries;
    }

    /// <summary>Warns or closes the sessions (this month's, not yet closing) each budget covers, given the spend.</summary>
    internal void Enforce(string customerId, IReadOnlyList<AgentSession> sessions, BudgetLimits limits, BudgetSpent spent, long nowMs)
    {
        var month = DateTimeOffset.FromUnixTimeMilliseconds(nowMs).ToString("yyyy-MM", CultureInfo.InvariantCulture);
        var covered = sessions.Where(s => s.ProxyClose is null && InMonthOf(s.UpstreamOpenedAtMs, nowMs)).ToList();
        var customerVerdict = BudgetVerdicts.Judge(limits.CustomerMicros, spent.Customer);
        Apply(customerVerdict, BudgetScopes.Customer, customerId, limits.CustomerMicros, spent.Customer, covered, customerId, month);
        if (customerVerdict == BudgetVerdict.Close)
        {
            return;
        }

        foreach (var (keyId, budget) in limits.KeyMicros)
        {
            var keySpent = spent.Keys.GetValueOrDefault(keyId);
            var ofKey = covered.Where(s => string.Equals(s.Identity.KeyId, keyId, StringComparison.Ordinal)).ToList();
            Apply(BudgetVerdicts.Judge(budget, keySpent), BudgetScopes.Key, keyId, budget, keySpent, ofKey, customerId, month);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, _time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await CheckAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A bug here must not stop the host: the next check tries again.
                BudgetGuardLog.CheckFailed(_logger, "(all)", ex);
            }
        }
    }

    /// <summary>False when Redis could not be asked (nothing was decided for the customer).</summary>
    private async Task<bool> CheckCustomerAsync(string customerId, IReadOnlyList<AgentSession> sessions)
    {
        try
        {
            if (await LimitsAsync(customerId, sessions).ConfigureAwait(false) is not { } limits)
            {
                return true;
            }

            var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
            var entries = await RunningCostsAsync(sessions, nowMs, _time.GetTimestamp()).ConfigureAwait(false);
            var month = DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(nowMs).UtcDateTime);
            var spent = await _store.PublishAndReadAsync(customerId, month, entries, [.. limits.KeyMicros.Keys], EntryTtl).ConfigureAwait(false);
            Enforce(customerId, sessions, limits, spent, nowMs);
            return true;
        }
        catch (Exception ex) when (ex is StorageUnavailableException or TimeoutException || (ex is not OutOfMemoryException && !_connection.IsConnected))
        {
            // Redis did not answer (the customer and key stores let its own exceptions through).
            return false;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            BudgetGuardLog.CheckFailed(_logger, customerId, ex);
            return true;
        }
    }

    /// <summary>The budgets the guard enforces for the customer: null unless its action is <c>close</c> and it or
    /// one of its sessions' keys has a budget.</summary>
    private async Task<BudgetLimits?> LimitsAsync(string customerId, IReadOnlyList<AgentSession> sessions)
    {
        var keyIds = sessions.Select(s => s.Identity.KeyId).Distinct(StringComparer.Ordinal).ToArray();
        var customerRead = _customers.GetAsync(customerId);
        var keyReads = keyIds.Select(_customers.GetKeyAsync).ToArray();
        await Task.WhenAll(customerRead, Task.WhenAll(keyReads)).ConfigureAwait(false);

        var customer = await customerRead.ConfigureAwait(false);
        if (customer is null || BudgetSettings.ActionOf(customer.Settings) != BudgetAction.Close)
        {
            return null;
        }

        var keyBudgets = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var read in keyReads)
        {
            if (await read.ConfigureAwait(false) is { MonthlyBudgetMicros: > 0 } key)
            {
                keyBudgets[key.KeyId] = key.MonthlyBudgetMicros.Value;
            }
        }

        var limits = new BudgetLimits(BudgetSettings.MonthlyBudgetMicros(customer.Settings), keyBudgets);
        return limits.CustomerMicros > 0 || keyBudgets.Count > 0 ? limits : null;
    }

    private void Apply(BudgetVerdict verdict, string scope, string subject, long budget, SpentSoFar spent, List<AgentSession> sessions, string customerId, string month)
    {
        var whose = scope == BudgetScopes.Customer ? "The customer's" : $"The key {subject}'s";
        foreach (var session in sessions)
        {
            if (verdict == BudgetVerdict.Close && _closing.TryAdd(session.SessionId, 0))
            {
                _metrics.BudgetClosed(scope);
                BudgetGuardLog.Closing(_logger, session.SessionId, customerId, scope, subject, spent.NowMicros, budget, month);
                var close = ProxyCloseRequests.BudgetExhausted(whose);

                // Every session gets its warning, even one whose budget went from below the lead to spent between two
                // checks: then just before the Error.
                _ = _warned.TryAdd(session.SessionId, 0)
                    ? WarnThenCloseAsync(session, $"{whose} monthly budget is exhausted: the session is being closed.", close)
                    : _closer.CloseAsync(session, close);
            }
            else if (verdict == BudgetVerdict.Warn && _warned.TryAdd(session.SessionId, 0))
            {
                var lead = session.Policy.MaxDurationWarningLead;
                BudgetGuardLog.Warned(_logger, session.SessionId, customerId, scope, subject, spent.NowMicros, budget, lead, month);
                _ = session.SendWarningAsync(AgentControlMessages.BudgetExhausted,
                    $"{whose} monthly budget will be exhausted within {ProxyCloseRequests.Describe(lead)}: the session will then be closed.");
            }
        }
    }

    private async Task WarnThenCloseAsync(AgentSession session, string warning, ProxyCloseRequest close)
    {
        try
        {
            // The Warning goes out at the client side's next message boundary; a client stuck inside a message does
            // not hold the close up for longer than this.
            await session.SendWarningAsync(AgentControlMessages.BudgetExhausted, warning).WaitAsync(WarningBeforeCloseTimeout, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        await _closer.CloseAsync(session, close).ConfigureAwait(false);
    }

    private void Prune(ConcurrentDictionary<string, byte> sessionIds)
    {
        foreach (var id in sessionIds.Keys)
        {
            if (!_registry.TryGet(id, out _))
            {
                sessionIds.TryRemove(id, out _);
            }
        }
    }

    private void Unavailable()
    {
        if (!_unavailableLogged)
        {
            _unavailableLogged = true;
            BudgetGuardLog.Unavailable(_logger);
        }
    }

    private static bool InMonthOf(long openedAtMs, long nowMs)
    {
        if (openedAtMs <= 0)
        {
            return false;
        }

        var opened = DateTimeOffset.FromUnixTimeMilliseconds(openedAtMs);
        var now = DateTimeOffset.FromUnixTimeMilliseconds(nowMs);
        return opened.Year == now.Year && opened.Month == now.Month;
    }
}

/// <summary>The monthly budgets a customer's live sessions run under, in micro-units: the customer's (0: none) and
/// those of its sessions' keys that have one.</summary>
internal sealed record BudgetLimits(long CustomerMicros, IReadOnlyDictionary<string, long> KeyMicros);
