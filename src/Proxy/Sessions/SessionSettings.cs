using Proxy.Customers;

namespace Proxy.Sessions;

/// <summary>
/// The per-customer session settings, each described once: admin JSON name (its Redis field is that name under
/// <c>settings.</c>), the <c>Sessions:*</c> key it overrides, its values and range, and where it lands in the
/// <see cref="SessionPolicy"/>. The admin API, the customer store, the policy resolver and the configuration's
/// validator all work from this table; a new setting is one entry here plus its use.
/// </summary>
internal static class SessionSettings
{
    // The limits a session may be given; a limit of 0 turns it off.
    private static readonly TimeSpan ShortestLimit = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LongestLimit = TimeSpan.FromHours(24);

    public static readonly SessionSetting<TimeSpan> IdleTimeout = new(
        new MillisecondsSetting("idle_timeout_ms", Key(nameof(SessionControlOptions.IdleTimeout)), "off", ShortestLimit, LongestLimit),
        o => o.IdleTimeout,
        p => p.IdleTimeout);

    // The configured mode is text (validated at start with the same parser); one that cannot be read never gets here.
    public static readonly SessionSetting<IdleMode> IdleMode = new(
        new ChoiceSetting<IdleMode>("idle_mode", Key(nameof(SessionControlOptions.IdleMode)), IdleModes.Names, IdleModes.TryParse, IdleModes.Name),
        o => IdleModes.TryParse(o.IdleMode, out var mode) ? mode : Sessions.IdleMode.Messages,
        p => p.IdleMode);

    public static readonly SessionSetting<TimeSpan> MaxDuration = new(
        new MillisecondsSetting("max_duration_ms", Key(nameof(SessionControlOptions.MaxDuration)), "off", ShortestLimit, LongestLimit),
        o => o.MaxDuration,
        p => p.MaxDuration);

    // A lead of any length is allowed: one not shorter than its limit is shortened (WarningLead), not refused.
    public static readonly SessionSetting<TimeSpan> IdleWarningLead = new(
        new MillisecondsSetting("idle_warning_lead_ms", Key(nameof(SessionControlOptions.IdleWarningLead)), "no warning", TimeSpan.Zero, TimeSpan.MaxValue),
        o => o.IdleWarningLead,
        p => p.IdleWarningLead);

    public static readonly SessionSetting<TimeSpan> MaxDurationWarningLead = new(
        new MillisecondsSetting("max_duration_warning_lead_ms", Key(nameof(SessionControlOptions.MaxDurationWarningLead)), "no warning", TimeSpan.Zero, TimeSpan.MaxValue),
        o => o.MaxDurationWarningLead,
        p => p.MaxDurationWarningLead);

    public static readonly SessionSetting<int> MaxConcurrentSessions = new(
        new WholeNumberSetting<int>("max_concurrent_sessions", Key(nameof(SessionControlOptions.MaxConcurrentSessionsPerCustomer)), "unlimited"),
        o => o.MaxConcurrentSessionsPerCustomer,
        p => p.MaxConcurrentSessions);

    /// <summary>In the order the admin API shows them.</summary>
    public static readonly IReadOnlyList<SessionSetting> All =
        [IdleTimeout, IdleMode, MaxDuration, IdleWarningLead, MaxDurationWarningLead, MaxConcurrentSessions];

    private static string Key(string property) => $"{SessionControlOptions.SectionName}:{property}";
}
