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
        return new SessionPolicy
        {
            IdleTimeout = overrides.IdleTimeout ?? o.IdleTimeout,
            IdleMode = overrides.IdleMode ?? defaultMode,
            MaxDuration = overrides.MaxDuration ?? o.MaxDuration,
            IdleWarningLead = overrides.IdleWarningLead ?? o.IdleWarningLead,
            MaxDurationWarningLead = overrides.MaxDurationWarningLead ?? o.MaxDurationWarningLead,
            MaxConcurrentSessions = overrides.MaxConcurrentSessions ?? o.MaxConcurrentSessionsPerCustomer,
            KeepAliveIsActivity = o.KeepAliveIsActivity,
            PingIsActivity = o.PingIsActivity,
        };
    }

    /// <summary>Problems with these overrides once applied on the defaults; empty when they are valid.</summary>
    public List<string> Validate(SessionSettingsOverrides overrides)
    {
        var errors = new List<string>();
        var policy = Resolve(overrides);
        Add(errors, SessionControlOptionsValidator.LimitError("idle_timeout_ms", policy.IdleTimeout));
        Add(errors, SessionControlOptionsValidator.LimitError("max_duration_ms", policy.MaxDuration));
        Add(errors, SessionControlOptionsValidator.LeadError("idle_warning_lead_ms", policy.IdleWarningLead, "idle_timeout_ms", policy.IdleTimeout));
        Add(errors, SessionControlOptionsValidator.LeadError("max_duration_warning_lead_ms", policy.MaxDurationWarningLead, "max_duration_ms", policy.MaxDuration));
        if (policy.MaxConcurrentSessions is < 0 or > 100_000)
        {
            errors.Add($"max_concurrent_sessions must be 0 (unlimited) to 100000 (got {policy.MaxConcurrentSessions}).");
        }

        return errors;
    }

    private static void Add(List<string> errors, string? error)
    {
        if (error is not null)
        {
            errors.Add(error);
        }
    }
}
