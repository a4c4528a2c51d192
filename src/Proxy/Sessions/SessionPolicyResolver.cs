using Microsoft.Extensions.Options;

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

    public SessionPolicy Defaults => Resolve(SessionSettingsOverrides.None);

    public SessionPolicy Resolve(SessionSettingsOverrides overrides)
    {
        var o = _options.CurrentValue;
        // The configured mode was validated at start; an unparsable one cannot get here.
        var defaultMode = IdleModes.TryParse(o.IdleMode, out var mode) ? mode : IdleMode.Messages;
        var (idleTimeout, idleLead) = Idle(overrides, o);
        var (maxDuration, maxDurationLead) = MaxDuration(overrides, o);
        return new SessionPolicy
        {
            IdleTimeout = idleTimeout,
            IdleMode = overrides.IdleMode ?? defaultMode,
            MaxDuration = maxDuration,
            IdleWarningLead = WarningLead.Fit(idleLead, idleTimeout),
            MaxDurationWarningLead = WarningLead.Fit(maxDurationLead, maxDuration),
            MaxConcurrentSessions = overrides.MaxConcurrentSessions ?? o.MaxConcurrentSessionsPerCustomer,
            KeepAliveIsActivity = o.KeepAliveIsActivity,
            PingIsActivity = o.PingIsActivity,
        };
    }

    /// <summary>The warning leads, set in the configuration or inherited by these overrides, that are shortened
    /// because they are not shorter than their limit; empty when none is.</summary>
    public List<ShortenedLead> ShortenedLeads(SessionSettingsOverrides overrides)
    {
        var o = _options.CurrentValue;
        var shortened = new List<ShortenedLead>(2);
        AddShortened(shortened, WarnedLimit.IdleTimeout, Idle(overrides, o));
        AddShortened(shortened, WarnedLimit.MaxDuration, MaxDuration(overrides, o));
        return shortened;
    }

    /// <summary>Problems with these overrides once applied on the defaults; empty when they are valid.</summary>
    public List<string> Validate(SessionSettingsOverrides overrides)
    {
        var errors = new List<string>();
        var policy = Resolve(overrides);
        Add(errors, SessionControlOptionsValidator.LimitError("idle_timeout_ms", policy.IdleTimeout));
        Add(errors, SessionControlOptionsValidator.LimitError("max_duration_ms", policy.MaxDuration));
        Add(errors, SessionControlOptionsValidator.LeadError("idle_warning_lead_ms", policy.IdleWarningLead));
        Add(errors, SessionControlOptionsValidator.LeadError("max_duration_warning_lead_ms", policy.MaxDurationWarningLead));
        if (policy.MaxConcurrentSessions is < 0 or > 100_000)
        {
            errors.Add($"max_concurrent_sessions must be 0 (unlimited) to 100000 (got {policy.MaxConcurrentSessions}).");
        }

        return errors;
    }

    private static (TimeSpan Limit, TimeSpan Lead) Idle(SessionSettingsOverrides overrides, SessionControlOptions o) =>
        (overrides.IdleTimeout ?? o.IdleTimeout, overrides.IdleWarningLead ?? o.IdleWarningLead);

    private static (TimeSpan Limit, TimeSpan Lead) MaxDuration(SessionSettingsOverrides overrides, SessionControlOptions o) =>
        (overrides.MaxDuration ?? o.MaxDuration, overrides.MaxDurationWarningLead ?? o.MaxDurationWarningLead);

    private static void AddShortened(List<ShortenedLead> shortened, WarnedLimit limit, (TimeSpan Limit, TimeSpan Lead) pair)
    {
        var effective = WarningLead.Fit(pair.Lead, pair.Limit);
        if (effective != pair.Lead)
        {
            shortened.Add(new ShortenedLead(limit, pair.Lead, pair.Limit, effective));
        }
    }

    private static void Add(List<string> errors, string? error)
    {
        if (error is not null)
        {
            errors.Add(error);
        }
    }
}
