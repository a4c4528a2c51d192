using Microsoft.Extensions.Options;

namespace Proxy.Billing;

internal sealed class DeepgramOptionsValidator : IValidateOptions<DeepgramOptions>
{
    public ValidateOptionsResult Validate(string? name, DeepgramOptions options)
    {
        const string section = DeepgramOptions.SectionName;
        var failures = new List<string>();
        if (!options.ApiUrl.IsAbsoluteUri || options.ApiUrl.Scheme is not ("http" or "https"))
        {
            failures.Add($"{section}:ApiUrl must be an absolute http(s) URL, not '{options.ApiUrl}'.");
        }

        if (string.IsNullOrWhiteSpace(options.ProjectId) != string.IsNullOrWhiteSpace(options.ManagementKey))
        {
            failures.Add($"{section}:ProjectId and {section}:ManagementKey go together: set both or neither.");
        }

        if (options.KeyScopes is { } scopes && scopes.Any(string.IsNullOrWhiteSpace))
        {
            failures.Add($"{section}:KeyScopes must not contain empty scopes.");
        }

        if (options.KeyRetirementInterval < TimeSpan.FromMilliseconds(100) || options.KeyRetirementInterval > TimeSpan.FromHours(1))
        {
            failures.Add($"{section}:KeyRetirementInterval must be between 100 ms and 1 hour, not {options.KeyRetirementInterval}.");
        }

        if (options.KeyRetirementGrace < TimeSpan.Zero || options.KeyRetirementGrace > TimeSpan.FromDays(1))
        {
            failures.Add($"{section}:KeyRetirementGrace must be between 0 and 1 day, not {options.KeyRetirementGrace}.");
        }

        if (options.MaxAttempts is < 1 or > 10)
        {
            failures.Add($"{section}:MaxAttempts must be 1 to 10, not {options.MaxAttempts}.");
        }

        if (options.RetryBudget < TimeSpan.Zero || options.RetryBudget > TimeSpan.FromMinutes(10))
        {
            failures.Add($"{section}:RetryBudget must be 00:00:00 to 00:10:00, not {options.RetryBudget}.");
        }

        if (options.RequestTimeout < TimeSpan.FromSeconds(1) || options.RequestTimeout > TimeSpan.FromMinutes(5))
        {
            failures.Add($"{section}:RequestTimeout must be 00:00:01 to 00:05:00, not {options.RequestTimeout}.");
        }

        // Zero is off; otherwise a window of at least a second, and at most what one requests-list call covers.
        if (options.ReconcileEvery != TimeSpan.Zero
            && (options.ReconcileEvery < TimeSpan.FromSeconds(1) || options.ReconcileEvery > ReconciliationPeriod.MaxLength))
        {
            failures.Add($"{section}:ReconcileEvery must be 00:00:00 (off) or 00:00:01 to {ReconciliationPeriod.MaxLength.TotalDays:0} days, not {options.ReconcileEvery}.");
        }

        if (options.ReconcileLag < TimeSpan.Zero || options.ReconcileLag > TimeSpan.FromDays(1))
        {
            failures.Add($"{section}:ReconcileLag must be 00:00:00 to 1.00:00:00, not {options.ReconcileLag}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
