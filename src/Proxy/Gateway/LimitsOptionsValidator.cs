using Microsoft.Extensions.Options;

using Proxy.Tunnel;

namespace Proxy.Gateway;

internal sealed class LimitsOptionsValidator : IValidateOptions<LimitsOptions>
{
    public ValidateOptionsResult Validate(string? name, LimitsOptions options)
    {
        var failures = new List<string>();
        if (options.MaxFrameBytes is < 1024 or > int.MaxValue)
        {
            failures.Add($"Limits:MaxFrameBytes must be between 1024 and {int.MaxValue} (got {options.MaxFrameBytes}).");
        }

        if (options.MaxMessageBytes < options.MaxFrameBytes)
        {
            failures.Add($"Limits:MaxMessageBytes must be at least Limits:MaxFrameBytes ({options.MaxFrameBytes}) (got {options.MaxMessageBytes}).");
        }

        if (options.RequestHeadersTimeout < TimeSpan.FromSeconds(1) || options.RequestHeadersTimeout > TimeSpan.FromMinutes(5))
        {
            failures.Add($"Limits:RequestHeadersTimeout must be between 00:00:01 and 00:05:00 (got {options.RequestHeadersTimeout}).");
        }

        if (options.AuthFailuresPerMinute < 1)
        {
            failures.Add($"Limits:AuthFailuresPerMinute must be at least 1 (got {options.AuthFailuresPerMinute}).");
        }

        if (options.AuthFailureMaxTrackedAddresses < 1)
        {
            failures.Add($"Limits:AuthFailureMaxTrackedAddresses must be at least 1 (got {options.AuthFailureMaxTrackedAddresses}).");
        }

        if (options.MaxSessionsPerUpstreamKey < 0)
        {
            failures.Add($"Limits:MaxSessionsPerUpstreamKey must be 0 (no cap) or more (got {options.MaxSessionsPerUpstreamKey}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
