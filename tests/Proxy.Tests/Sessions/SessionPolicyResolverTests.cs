using Proxy.Customers;
using Proxy.Sessions;
using Proxy.Tests.TestSupport;

namespace Proxy.Tests.Sessions;

public sealed class SessionPolicyResolverTests
{
    private readonly TestOptionsMonitor<SessionControlOptions> _options = new(new SessionControlOptions
    {
        IdleTimeout = TimeSpan.FromSeconds(30),
        IdleMode = "messages",
        MaxDuration = TimeSpan.FromMinutes(115),
        IdleWarningLead = TimeSpan.FromSeconds(10),
        MaxDurationWarningLead = TimeSpan.FromSeconds(60),
        MaxConcurrentSessionsPerCustomer = 5,
        KeepAliveIsActivity = true,
        PingIsActivity = true,
    });

    [Fact]
    public void No_overrides_give_the_configured_defaults()
    {
        var resolver = new SessionPolicyResolver(_options);

        var expected = new SessionPolicy
        {
            IdleTimeout = TimeSpan.FromSeconds(30),
            IdleMode = IdleMode.Messages,
            MaxDuration = TimeSpan.FromMinutes(115),
            IdleWarningLead = TimeSpan.FromSeconds(10),
            MaxDurationWarningLead = TimeSpan.FromSeconds(60),
            MaxConcurrentSessions = 5,
            KeepAliveIsActivity = true,
            PingIsActivity = true,
        };
        Assert.Equal(expected, resolver.Resolve(CustomerSettings.None));
        Assert.Equal(expected, resolver.Defaults);
        Assert.Same(_options.CurrentValue, resolver.Options);
    }

    [Fact]
    public void The_defaults_of_the_options_class_resolve_to_the_documented_defaults()
    {
        var resolver = new SessionPolicyResolver(new TestOptionsMonitor<SessionControlOptions>(new SessionControlOptions()));

        var policy = resolver.Defaults;

        Assert.Equal(TimeSpan.FromSeconds(30), policy.IdleTimeout);
        Assert.Equal(IdleMode.Messages, policy.IdleMode);
        Assert.Equal(TimeSpan.FromMinutes(115), policy.MaxDuration);
        Assert.Equal(TimeSpan.FromSeconds(10), policy.IdleWarningLead);
        Assert.Equal(TimeSpan.FromSeconds(60), policy.MaxDurationWarningLead);
        Assert.Equal(0, policy.MaxConcurrentSessions);
        Assert.False(policy.KeepAliveIsActivity);
        Assert.False(policy.PingIsActivity);
    }

    [Fact]
    public void Every_override_wins_over_its_default()
    {
        var resolver = new SessionPolicyResolver(_options);

        var policy = resolver.Resolve(Overrides(idleTimeout: TimeSpan.FromMinutes(2), idleMode: IdleMode.Audio, maxDuration: TimeSpan.FromMinutes(30), idleWarningLead: TimeSpan.FromSeconds(20), maxDurationWarningLead: TimeSpan.FromMinutes(5), maxConcurrentSessions: 50));

        Assert.Equal(TimeSpan.FromMinutes(2), policy.IdleTimeout);
        Assert.Equal(IdleMode.Audio, policy.IdleMode);
        Assert.Equal(TimeSpan.FromMinutes(30), policy.MaxDuration);
        Assert.Equal(TimeSpan.FromSeconds(20), policy.IdleWarningLead);
        Assert.Equal(TimeSpan.FromMinutes(5), policy.MaxDurationWarningLead);
        Assert.Equal(50, policy.MaxConcurrentSessions);

        // The activity switches are global only.
        Assert.True(policy.KeepAliveIsActivity);
        Assert.True(policy.PingIsActivity);
    }

    [Fact]
    public void Zero_overrides_win_too_they_are_not_inherit()
    {
        var resolver = new SessionPolicyResolver(_options);

        var policy = resolver.Resolve(Overrides(idleTimeout: TimeSpan.Zero, maxDuration: TimeSpan.Zero, idleWarningLead: TimeSpan.Zero, maxDurationWarningLead: TimeSpan.Zero, maxConcurrentSessions: 0));

        Assert.Equal(TimeSpan.Zero, policy.IdleTimeout);
        Assert.Equal(TimeSpan.Zero, policy.MaxDuration);
        Assert.Equal(TimeSpan.Zero, policy.IdleWarningLead);
        Assert.Equal(TimeSpan.Zero, policy.MaxDurationWarningLead);
        Assert.Equal(0, policy.MaxConcurrentSessions);
    }

    [Fact]
    public void Null_overrides_inherit_each_default_on_its_own()
    {
        var resolver = new SessionPolicyResolver(_options);

        var policy = resolver.Resolve(Overrides(idleMode: IdleMode.Any, maxDuration: TimeSpan.FromMinutes(60)));

        Assert.Equal(resolver.Defaults with { IdleMode = IdleMode.Any, MaxDuration = TimeSpan.FromMinutes(60) }, policy);
    }

    [Theory]
    [InlineData("audio", "Audio")]
    [InlineData(" ANY ", "Any")]
    [InlineData("Messages", "Messages")]
    public void The_configured_idle_mode_is_parsed(string configured, string expected)
    {
        _options.CurrentValue.IdleMode = configured;

        Assert.Equal(expected, new SessionPolicyResolver(_options).Defaults.IdleMode.ToString());
    }

    [Fact]
    public void An_unparsable_configured_idle_mode_falls_back_to_messages()
    {
        _options.CurrentValue.IdleMode = "silence";

        Assert.Equal(IdleMode.Messages, new SessionPolicyResolver(_options).Defaults.IdleMode);
    }

    [Fact]
    public void A_changed_configuration_applies_to_the_next_resolve()
    {
        var resolver = new SessionPolicyResolver(_options);
        var before = resolver.Defaults;

        _options.CurrentValue = new SessionControlOptions { IdleTimeout = TimeSpan.FromMinutes(1), IdleMode = "audio" };

        Assert.Equal(TimeSpan.FromSeconds(30), before.IdleTimeout);
        Assert.Equal(TimeSpan.FromMinutes(1), resolver.Defaults.IdleTimeout);
        Assert.Equal(IdleMode.Audio, resolver.Defaults.IdleMode);
    }

    [Theory]
    [InlineData(3_000, 10_000, 1_500)]
    [InlineData(10_000, 10_000, 5_000)]
    [InlineData(10_000, 10_001, 5_000)]
    [InlineData(10_000, 9_999, 9_999)]
    [InlineData(0, 10_000, 10_000)]
    public void A_configured_idle_lead_not_shorter_than_the_idle_timeout_is_half_the_timeout(long timeoutMs, long leadMs, long expectedMs)
    {
        _options.CurrentValue.IdleTimeout = TimeSpan.FromMilliseconds(timeoutMs);
        _options.CurrentValue.IdleWarningLead = TimeSpan.FromMilliseconds(leadMs);

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), new SessionPolicyResolver(_options).Defaults.IdleWarningLead);
    }

    [Theory]
    [InlineData(30_000, 60_000, 15_000)]
    [InlineData(60_000, 60_000, 30_000)]
    [InlineData(60_001, 60_000, 60_000)]
    [InlineData(0, 60_000, 60_000)]
    public void A_configured_max_duration_lead_not_shorter_than_the_max_duration_is_half_of_it(long maxMs, long leadMs, long expectedMs)
    {
        _options.CurrentValue.MaxDuration = TimeSpan.FromMilliseconds(maxMs);
        _options.CurrentValue.MaxDurationWarningLead = TimeSpan.FromMilliseconds(leadMs);

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), new SessionPolicyResolver(_options).Defaults.MaxDurationWarningLead);
    }

    [Fact]
    public void A_customer_timeout_under_the_inherited_lead_is_accepted_and_the_lead_is_half_the_timeout()
    {
        var resolver = new SessionPolicyResolver(_options);
        var overrides = Overrides(idleTimeout: TimeSpan.FromSeconds(3), maxDuration: TimeSpan.FromSeconds(4));

        var policy = resolver.Resolve(overrides);

        Assert.Equal(TimeSpan.FromMilliseconds(1_500), policy.IdleWarningLead);
        Assert.Equal(TimeSpan.FromSeconds(2), policy.MaxDurationWarningLead);
    }

    [Fact]
    public void A_customer_lead_not_shorter_than_the_inherited_timeout_is_half_of_it()
    {
        var resolver = new SessionPolicyResolver(_options);
        var overrides = Overrides(idleWarningLead: TimeSpan.FromSeconds(45), maxDurationWarningLead: TimeSpan.FromHours(3));

        var policy = resolver.Resolve(overrides);

        Assert.Equal(TimeSpan.FromSeconds(15), policy.IdleWarningLead);
        Assert.Equal(TimeSpan.FromMinutes(57.5), policy.MaxDurationWarningLead);
    }

    [Fact]
    public void Only_the_leads_that_were_shortened_are_reported_with_what_they_became()
    {
        var resolver = new SessionPolicyResolver(_options);

        Assert.Empty(resolver.ShortenedLeads(CustomerSettings.None));
        var shortened = Assert.Single(resolver.ShortenedLeads(Overrides(idleTimeout: TimeSpan.FromSeconds(3))));
        Assert.Equal(new ShortenedLead(WarnedLimit.IdleTimeout, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(1_500)), shortened);

        _options.CurrentValue.MaxDuration = TimeSpan.FromSeconds(30);
        var configured = Assert.Single(resolver.ShortenedLeads(CustomerSettings.None));
        Assert.Equal(new ShortenedLead(WarnedLimit.MaxDuration, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(15)), configured);
    }

    internal static CustomerSettings Overrides(
        TimeSpan? idleTimeout = null, IdleMode? idleMode = null, TimeSpan? maxDuration = null, TimeSpan? idleWarningLead = null,
        TimeSpan? maxDurationWarningLead = null, int? maxConcurrentSessions = null)
    {
        var settings = CustomerSettings.None;
        settings = SessionSettings.IdleTimeout.Set(settings, idleTimeout);
        settings = SessionSettings.IdleMode.Set(settings, idleMode);
        settings = SessionSettings.MaxDuration.Set(settings, maxDuration);
        settings = SessionSettings.IdleWarningLead.Set(settings, idleWarningLead);
        settings = SessionSettings.MaxDurationWarningLead.Set(settings, maxDurationWarningLead);
        return SessionSettings.MaxConcurrentSessions.Set(settings, maxConcurrentSessions);
    }
}
