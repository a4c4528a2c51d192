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

        return ValidateOptionsResult.Success;
    }
}
