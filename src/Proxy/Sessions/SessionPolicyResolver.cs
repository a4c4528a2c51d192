using Microsoft.Extensions.Options;
using Proxy.Customers;

namespace Proxy.Sessions;

/// <summary>Global defaults (<c>Sessions</c> configuration) with a customer's overrides on top.</summary>
internal sealed class SessionPolicyResolver
{
    private readonly IOptionsMonitor<SessionControlOptions> _options;

    public SessionPolicyResolver(IOptionsMonitor<SessionControlOptions> options)
    {
        _options = options;
    }

    public SessionControlOptions Options => _options.CurrentValue;

    public SessionPolicy Defaults => Resolve(CustomerSettings.None);

    public SessionPolicy Resolve(CustomerSettings overrides)
    {
        var o = _options.CurrentValue;
        var (idleTimeout, idleLead) = Idle(overrides, o);
        var (maxDuration, maxDurationLead) = MaxDuration(overrides, o);
        return new SessionPolicy
        {
            IdleTimeout = idleTimeout,
            IdleMode = SessionSettings.IdleMode.Resolve(overrides, o),
            MaxDuration = maxDuration,
            IdleWarningLead = WarningLead.Fit(idleLead, idleTimeout),
            MaxDurationWarningLead = WarningLead.Fit(maxDurationLead, maxDuration),
            MaxConcurrentSessions = SessionSettings.MaxConcurrentSessions.Resolve(overrides, o),
            KeepAliveIsActivity = o.KeepAliveIsActivity,
            PingIsActivity = o.PingIsActivity,
        };
    }

    /// <summary>The warning leads, set in the configuration or inherited by these overrides, that are shortened
    /// because they are not shorter than their limit; empty when none is.</summary>
    public List<ShortenedLead> ShortenedLeads(CustomerSettings overrides)
    {
        var o = _options.CurrentValue;
        var shortened = new List<ShortenedLead>(2);
        AddShortened(shortened, WarnedLimit.IdleTimeout, Idle(overrides, o));
        AddShortened(shortened, WarnedLimit.MaxDuration, MaxDuration(overrides, o));
        return shortened;
    }

    private static (TimeSpan Limit, TimeSpan Lead) Idle(CustomerSettings overrides, SessionControlOptions o) =>
        (SessionSettings.IdleTimeout.Resolve(overrides, o), SessionSettings.IdleWarningLead.Resolve(overrides, o));

    private static (TimeSpan Limit, TimeSpan Lead) MaxDuration(CustomerSettings overrides, SessionControlOptions o) =>
        (SessionSettings.MaxDuration.Resolve(overrides, o), SessionSettings.MaxDurationWarningLead.Resolve(overrides, o));

    private static void AddShortened(List<ShortenedLead> shortened, WarnedLimit limit, (TimeSpan Limit, TimeSpan Lead) pair)
    {
        var effective = WarningLead.Fit(pair.Lead, pair.Limit);
        if (effective != pair.Lead)
        {
            shortened.Add(new ShortenedLead(limit, pair.Lead, pair.Limit, effective));
        }
    }
}
