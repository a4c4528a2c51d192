using Microsoft.Extensions.Options;

namespace Proxy.Sessions;

internal sealed class SessionControlOptionsValidator : IValidateOptions<SessionControlOptions>
{
    public ValidateOptionsResult Validate(string? name, SessionControlOptions o)
    {
        var failures = new List<string>();
        // The defaults a customer may override: the same range rules as the admin API's, from the one description.
        foreach (var setting in SessionSettings.All)
        {
            if (setting.ConfiguredError(o) is { } error)
            {
                failures.Add(error);
            }
        }

        // The one setting the configuration holds as text: the admin API reads its values with the same parser.
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

        if (o.MaxConcurrentSessionsPerInstance < 0)
        {
            failures.Add($"Sessions:MaxConcurrentSessionsPerInstance must be 0 (unlimited) or more (got {o.MaxConcurrentSessionsPerInstance}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckRange(List<string> failures, string key, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            failures.Add($"{key} must be between {min} and {max} (got {value}).");
        }
    }
}
