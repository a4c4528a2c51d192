using Microsoft.Extensions.Options;

namespace Proxy.Sessions;

internal sealed class SessionControlOptionsValidator : IValidateOptions<SessionControlOptions>
{
    public static readonly TimeSpan MaxLimit = TimeSpan.FromHours(24);

    public ValidateOptionsResult Validate(string? name, SessionControlOptions o)
    {
        var failures = new List<string>();
        CheckLimit(failures, "Sessions:IdleTimeout", o.IdleTimeout);
        CheckLimit(failures, "Sessions:MaxDuration", o.MaxDuration);
        // A lead not shorter than its limit is not an error: the policy shortens it (WarningLead).
        CheckLead(failures, "Sessions:IdleWarningLead", o.IdleWarningLead);
        CheckLead(failures, "Sessions:MaxDurationWarningLead", o.MaxDurationWarningLead);
        if (!IdleModes.TryParse(o.IdleMode, out _))
        {
            failures.Add($"Sessions:IdleMode must be {IdleModes.Names} (got \"{o.IdleMode}\").");
        }

        CheckRange(failures, "Sessions:CloseGrace", o.CloseGrace, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1));
        CheckRange(failures, "Sessions:DrainTimeout", o.DrainTimeout, TimeSpan.Zero, TimeSpan.FromHours(1));
        CheckRange(failures, "Sessions:SweepInterval", o.SweepInterval, TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(5));
        CheckRange(failures, "Sessions:HeartbeatInterval", o.HeartbeatInterval, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));
        if (o.LeaseTtl < 2 * o.HeartbeatInterval || o.LeaseTtl > TimeSpan.FromMinutes(10))
        {
            failures.Add($"Sessions:LeaseTtl must be at least twice Sessions:HeartbeatInterval ({2 * o.HeartbeatInterval}) and at most 00:10:00 (got {o.LeaseTtl}).");
        }

        if (o.MaxConcurrentSessionsPerCustomer < 0)
        {
            failures.Add($"Sessions:MaxConcurrentSessionsPerCustomer must be 0 (unlimited) or more (got {o.MaxConcurrentSessionsPerCustomer}).");
        }

        if (o.MaxConcurrentSessionsPerInstance < 0)
        {
            failures.Add($"Sessions:MaxConcurrentSessionsPerInstance must be 0 (unlimited) or more (got {o.MaxConcurrentSessionsPerInstance}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>A limit is off (zero) or between a second and a day.</summary>
    public static string? LimitError(string key, TimeSpan value) =>
        value == TimeSpan.Zero || (value >= TimeSpan.FromSeconds(1) && value <= MaxLimit)
            ? null
            : $"{key} must be 0 (off) or between 1 second and 24 hours (got {value}).";

    /// <summary>A warning lead is zero (no warning) or positive; one not shorter than its limit is fitted to it.</summary>
    public static string? LeadError(string key, TimeSpan lead) =>
        lead < TimeSpan.Zero ? $"{key} must be 0 (no warning) or more (got {lead})." : null;

    private static void CheckLimit(List<string> failures, string key, TimeSpan value)
    {
        if (LimitError(key, value) is { } error)
        {
            failures.Add(error);
        }
    }

    private static void CheckLead(List<string> failures, string key, TimeSpan lead)
    {
        if (LeadError(key, lead) is { } error)
        {
            failures.Add(error);
        }
    }

    private static void CheckRange(List<string> failures, string key, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            failures.Add($"{key} must be between {min} and {max} (got {value}).");
        }
    }
}
