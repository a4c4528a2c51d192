using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Proxy.Billing;
using Proxy.Customers;
using Proxy.Sessions;
using Proxy.Storage;
using Proxy.Tests.TestSupport;
using Proxy.Tests.Tunnel;
using Proxy.Tunnel;
using static Proxy.Tests.Sessions.SessionFrames;

namespace Proxy.Tests.Sessions;

/// <summary>
/// The live-session budget guard on a fake clock: the running cost it publishes, the Warning and the close it decides
/// from a spend, and whole checks against a real redis-server (customer settings, keys, the running hash).
/// </summary>
public sealed class SessionBudgetGuardTests : IAsyncLifetime, IDisposable
{
    // 60,000 micros a minute: 1,000 micros a second, exact to the ms.
    private static readonly PlanVersion Plan = new()
    {
        PlanId = "plan_basic",
        Version = 1,
        CreatedAtMs = 0,
        Currency = "USD",
        PerMinuteMicros = 60_000,
        PerSessionMicros = 100,
    };

    private static readonly SessionPolicy Lead10s = new() { MaxDurationWarningLead = TimeSpan.FromSeconds(10) };

    private static readonly RedisKeys Keys = new("dgp:");
    private static readonly DateOnly Month = DateOnly.FromDateTime(Start.UtcDateTime);

    private readonly FakeTimeProvider _time = new(Start);
    private readonly SessionRegistry _registry = new();
    private readonly List<(AgentSession Session, RecordingStream Client)> _live = [];
    private RedisServer? _redis;
    private SessionBudgetGuard? _guard;

    private SessionBudgetGuard Guard => _guard!;

    private CustomerStore Customers => new(_redis!.Connection!, Keys, _time);

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        var options = new TestOptionsMonitor<SessionControlOptions>(new SessionControlOptions());
        _guard = new SessionBudgetGuard(
            _registry,
            new RedisConnectionState(_redis.Connection!, _time),
            Customers,
            new FixedPlans(),
            new BudgetRunningStore(_redis.Connection!, Keys),
            new SessionCloser(options, TestMetrics.Create(), NullLogger<SessionCloser>.Instance),
            TestMetrics.Create(),
            _time,
            NullLogger<SessionBudgetGuard>.Instance);
    }

    public void Dispose() => _guard?.Dispose();

    public async Task DisposeAsync()
    {
        foreach (var (session, _) in _live)
        {
            session.Dispose();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_running_cost_is_the_fee_plus_the_time_so_far_by_the_plan_in_force_at_the_open()
    {
        var session = Open("key_a");
        _time.Advance(TimeSpan.FromMilliseconds(2_500));

        var entries = await Guard.RunningCostsAsync([session], NowMs(), _time.GetTimestamp());

        var entry = Assert.Single(entries);
        Assert.Equal(new RunningCostEntry(session.SessionId, "key_a", new LiveSessionCost(100 + 2_500, 100 + 12_500)), entry);
    }

    [Fact]
    public async Task A_session_opened_in_an_earlier_month_or_under_an_unknown_plan_has_no_running_cost_this_month()
    {
        var unknownPlan = Open("key_a", planId: "plan_gone");
        var lastMonth = Open("key_a");
        _time.Advance(TimeSpan.FromDays(5));
        Assert.NotEqual(Start.Month, _time.GetUtcNow().Month);

        Assert.Empty(await Guard.RunningCostsAsync([unknownPlan], NowMs(), _time.GetTimestamp()));
        Assert.Empty(await Guard.RunningCostsAsync([lastMonth], NowMs(), _time.GetTimestamp()));

        // Nor is it closed when this month's budget is spent.
        Guard.Enforce("acme", [lastMonth], Limits(customer: 10), Spent(customerNow: 10), NowMs());
        Assert.Null(lastMonth.ProxyClose);
    }

    [Fact]
    public void A_budget_reached_within_the_lead_warns_each_session_once()
    {
        var a = Open("key_a");
        var b = Open("key_b");

        Guard.Enforce("acme", [a, b], Limits(customer: 1_000), Spent(customerNow: 900, customerLead: 1_000), NowMs());
        Guard.Enforce("acme", [a, b], Limits(customer: 1_000), Spent(customerNow: 950, customerLead: 1_100), NowMs());

        foreach (var session in new[] { a, b })
        {
            var message = JsonDocument.Parse(Assert.Single(ClientMessages(session))).RootElement;
            Assert.Equal("Warning", message.GetProperty("type").GetString());
            Assert.Equal("SESSION_BUDGET_EXHAUSTED", message.GetProperty("code").GetString());
            Assert.Equal("The customer's monthly budget will be exhausted within 10 s: the session will then be closed.", message.GetProperty("description").GetString());
            Assert.Null(session.ProxyClose);
        }
    }

    [Fact]
    public void A_spent_customer_budget_closes_every_session_with_the_budget_error_and_close_1000()
    {
        var a = Open("key_a");
        var b = Open("key_b");

        Guard.Enforce("acme", [a, b], Limits(customer: 1_000), Spent(customerNow: 1_000, customerLead: 2_000), NowMs());

        foreach (var session in new[] { a, b })
        {
            Assert.Equal("budget_exhausted", session.ProxyClose?.CloseReason);
            Assert.Equal("SESSION_BUDGET_EXHAUSTED", session.ProxyClose?.ErrorCode);
            Assert.Equal(1000, session.ProxyClose?.ClientCloseCode);

            // Not warned at an earlier check (the budget went from far to spent at once): the Warning comes first.
            var messages = ClientMessages(session).Select(m => JsonDocument.Parse(m).RootElement).ToList();
            Assert.Equal(["Warning", "Error"], messages.Select(m => m.GetProperty("type").GetString()));
            Assert.All(messages, m => Assert.Equal("SESSION_BUDGET_EXHAUSTED", m.GetProperty("code").GetString()));
            Assert.Equal("The customer's monthly budget is exhausted: the session is being closed.", messages[0].GetProperty("description").GetString());
            Assert.Equal("The customer's monthly budget is exhausted: the session was closed.", messages[1].GetProperty("description").GetString());
            Assert.Equal(1000, Assert.Single(ClientCloses(session)).Code);
        }
    }

    [Fact]
    public void A_spent_key_budget_closes_only_that_keys_sessions()
    {
        var a = Open("key_a");
        var b = Open("key_b");
        var keys = new Dictionary<string, long>(StringComparer.Ordinal) { ["key_a"] = 500, ["key_b"] = 500 };
        var spent = new BudgetSpent(new SpentSoFar(600, 600), new Dictionary<string, SpentSoFar>(StringComparer.Ordinal)
        {
            ["key_a"] = new(500, 500),
            ["key_b"] = new(100, 100),
        });

        Guard.Enforce("acme", [a, b], new BudgetLimits(0, keys), spent, NowMs());

        Assert.Equal("budget_exhausted", a.ProxyClose?.CloseReason);
        Assert.Contains("key key_a", a.ProxyClose?.Description, StringComparison.Ordinal);
        Assert.Null(b.ProxyClose);
        Assert.Empty(ClientMessages(b));

        // Counted and closed once, whatever later checks find.
        Guard.Enforce("acme", [a, b], new BudgetLimits(0, keys), spent, NowMs());
        Assert.Equal(["SESSION_BUDGET_EXHAUSTED", "SESSION_BUDGET_EXHAUSTED"], Codes(a));
    }

    [Fact]
    public async Task A_check_closes_a_live_session_once_the_month_hash_plus_its_running_cost_reach_the_budget()
    {
        var keyId = await CustomerWithBudgetAsync("close", budget: 5_000);
        await _redis!.Database.HashSetAsync(Keys.UsageMonth("acme", Month), "cost_micros", 2_000);
        var session = Open(keyId);

        // 2,000 finalized + 100 fee + 1,000 a second: 3,100 after 1 s (the 10 s lead: warned), 5,100 after 3 s.
        _time.Advance(TimeSpan.FromSeconds(1));
        await Guard.CheckAsync();
        Assert.Null(session.ProxyClose);
        Assert.Equal(["SESSION_BUDGET_EXHAUSTED"], Codes(session));

        _time.Advance(TimeSpan.FromSeconds(1));
        await Guard.CheckAsync();
        Assert.Null(session.ProxyClose);

        _time.Advance(TimeSpan.FromSeconds(1));
        await Guard.CheckAsync();
        Assert.Equal("budget_exhausted", session.ProxyClose?.CloseReason);
        Assert.Equal(["SESSION_BUDGET_EXHAUSTED", "SESSION_BUDGET_EXHAUSTED"], Codes(session));
    }

    [Fact]
    public async Task Another_instances_running_session_counts_toward_the_budget()
    {
        var keyId = await CustomerWithBudgetAsync("close", budget: 5_000);
        await new BudgetRunningStore(_redis!.Connection!, Keys).PublishAndReadAsync(
            "acme", Month, [new RunningCostEntry("elsewhere", keyId, new LiveSessionCost(4_500, 4_600))], [], TimeSpan.FromSeconds(30));
        var session = Open(keyId);

        _time.Advance(TimeSpan.FromSeconds(1));
        await Guard.CheckAsync();

        Assert.Equal("budget_exhausted", session.ProxyClose?.CloseReason);
    }

    [Fact]
    public async Task With_budget_action_refuse_a_live_session_runs_past_its_budget()
    {
        var keyId = await CustomerWithBudgetAsync("refuse", budget: 1_000);
        var session = Open(keyId);

        _time.Advance(TimeSpan.FromSeconds(5));
        await Guard.CheckAsync();

        Assert.Null(session.ProxyClose);
        Assert.Empty(ClientMessages(session));
        Assert.False(await _redis!.Database.KeyExistsAsync(Keys.BudgetRunning("acme", Month)));
    }

    [Fact]
    public async Task Without_redis_no_session_is_closed_on_a_guess()
    {
        var keyId = await CustomerWithBudgetAsync("close", budget: 1_000);
        var session = Open(keyId);
        await _redis!.KillAsync();

        _time.Advance(TimeSpan.FromSeconds(5));
        await Guard.CheckAsync();

        Assert.Null(session.ProxyClose);
        Assert.Empty(ClientMessages(session));
    }

    private async Task<string> CustomerWithBudgetAsync(string action, long budget)
    {
        await Customers.UpsertAsync("acme", "Acme", Plan.PlanId, disabled: false);
        await Customers.ReplaceSettingsAsync("acme", CustomerSettings.None
            .With(BudgetSettings.MonthlyBudget, budget.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .With(BudgetSettings.Action, action));
        var (key, _) = await Customers.IssueKeyAsync("acme", expiresAtMs: null);
        return key.KeyId;
    }

    private AgentSession Open(string keyId, string planId = "plan_basic")
    {
        var session = new AgentSession(Identity with { SessionId = $"session-{_live.Count}", KeyId = keyId, PlanId = planId }, _time, 1024, Lead10s);
        var client = new RecordingStream();
        session.Tunnel.Attach(TunnelSide.Client, client);
        session.Tunnel.Attach(TunnelSide.Upstream, new RecordingStream());
        MarkOpened(session, _time);
        _registry.Add(session);
        _live.Add((session, client));
        return session;
    }

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private List<string> ClientMessages(AgentSession session) => [.. Parse(session).Texts.Select(t => t.Payload)];

    private List<CloseSeen> ClientCloses(AgentSession session) => Parse(session).Closes;

    private List<string> Codes(AgentSession session) =>
        [.. ClientMessages(session).Select(m => JsonDocument.Parse(m).RootElement.GetProperty("code").GetString()!)];

    private RecordingObserver Parse(AgentSession session)
    {
        using var harness = new ParserHarness(clientToServer: false).Feed(_live.Single(l => l.Session == session).Client.Written);
        return harness.Observer;
    }

    private static BudgetLimits Limits(long customer) => new(customer, new Dictionary<string, long>(StringComparer.Ordinal));

    private static BudgetSpent Spent(long customerNow, long? customerLead = null) =>
        new(new SpentSoFar(customerNow, customerLead ?? customerNow), new Dictionary<string, SpentSoFar>(StringComparer.Ordinal));

    private sealed class FixedPlans : IPlanVersions
    {
        public Task<PlanVersion?> InForceAsync(string planId, long atMs) =>
            Task.FromResult(planId == Plan.PlanId ? Plan : null);
    }
}
