using Microsoft.Extensions.Options;

namespace Proxy.Billing;

internal sealed class DeepgramOptionsValidator : IValidateOptions<DeepgramOptions>
{
    public ValidateOptionsResult Validate(string? name, DeepgramOptions options)
    {
        if (!options.ApiUrl.IsAbsoluteUri || options.ApiUrl.Scheme is not ("http" or "https"))
        {
            return ValidateOptionsResult.Fail($"{DeepgramOptions.SectionName}:ApiUrl must be an absolute http(s) URL, not '{options.ApiUrl}'.");
        }

        if (string.IsNullOrWhiteSpace(options.ProjectId) != string.IsNullOrWhiteSpace(options.ManagementKey))
        {
            return ValidateOptionsResult.Fail($"{DeepgramOptions.SectionName}:ProjectId and {DeepgramOptions.SectionName}:ManagementKey go together: set both or neither.");
        }

        if (options.KeyScopes is { } scopes && scopes.Any(string.IsNullOrWhiteSpace))
        {
            return ValidateOptionsResult.Fail($"{DeepgramOptions.SectionName}:KeyScopes must not contain empty scopes.");
        }

        if (options.KeyRetirementInterval < TimeSpan.FromMilliseconds(100) || options.KeyRetirementInterval > TimeSpan.FromHours(1))
        {
            return ValidateOptionsResult.Fail($"{DeepgramOptions.SectionName}:KeyRetirementInterval must be between 100 ms and 1 hour, not {options.KeyRetirementInterval}.");
        }

        if (options.KeyRetirementGrace < TimeSpan.Zero || options.KeyRetirementGrace > TimeSpan.FromDays(1))
        {
            return ValidateOptionsResult.Fail($"{DeepgramOptions.SectionName}:KeyRetirementGrace must be between 0 and 1 day, not {options.KeyRetirementGrace}.");
        }

        return ValidateOptionsResult.Success;
    }
}
