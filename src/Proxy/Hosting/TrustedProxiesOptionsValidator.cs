using Microsoft.Extensions.Options;

namespace Proxy.Hosting;

internal sealed class TrustedProxiesOptionsValidator : IValidateOptions<TrustedProxiesOptions>
{
    private const string Section = TrustedProxiesOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, TrustedProxiesOptions options)
    {
        var failures = new List<string>();
        for (var i = 0; i < options.KnownProxies.Length; i++)
        {
            if (!TrustedProxiesOptions.TryParseProxy(options.KnownProxies[i], out _))
            {
                failures.Add($"{Section}:KnownProxies:{i} must be an IP address, e.g. 10.0.0.5 or fd00::5 (got '{options.KnownProxies[i]}').");
            }
        }

        for (var i = 0; i < options.KnownNetworks.Length; i++)
        {
            if (!TrustedProxiesOptions.TryParseNetwork(options.KnownNetworks[i], out _))
            {
                failures.Add($"{Section}:KnownNetworks:{i} must be a network in CIDR form with no bits set after the prefix, e.g. 10.0.0.0/8 or fd00::/8 (got '{options.KnownNetworks[i]}').");
            }
        }

        if (options.ForwardLimit < 1)
        {
            failures.Add($"{Section}:ForwardLimit must be at least 1 (got {options.ForwardLimit}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
