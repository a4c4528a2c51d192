using Microsoft.Extensions.Options;

namespace Proxy.Hosting;

internal sealed class EndpointsOptionsValidator : IValidateOptions<EndpointsOptions>
{
    public ValidateOptionsResult Validate(string? name, EndpointsOptions options)
    {
        var failures = new List<string>();
        if (!ListenerEndpoint.TryParse(options.Proxy, out var proxy, out var proxyError))
        {
            failures.Add($"Endpoints:Proxy {proxyError}.");
        }

        if (!ListenerEndpoint.TryParse(options.Admin, out var admin, out var adminError))
        {
            failures.Add($"Endpoints:Admin {adminError}.");
        }

        if (failures.Count == 0 && proxy.Port != 0 && proxy.Port == admin.Port)
        {
            failures.Add($"Endpoints:Proxy and Endpoints:Admin must use different ports (both {proxy.Port}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
