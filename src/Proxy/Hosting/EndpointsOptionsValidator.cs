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

        if (options.SocketThreads is < 0 or > 1024)
        {
            failures.Add($"Endpoints:SocketThreads must be between 0 (.NET's default) and 1024 (was {options.SocketThreads}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
