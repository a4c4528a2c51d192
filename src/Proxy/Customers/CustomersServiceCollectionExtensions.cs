using Microsoft.Extensions.Options;
using Proxy.Runtime;
using Proxy.Telemetry;

namespace Proxy.Customers;

internal static class CustomersServiceCollectionExtensions
{
    public static IServiceCollection AddProxyCustomers(this IServiceCollection services)
    {
        services.AddOptions<SecretsOptions>().BindSection(SecretsOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SecretsOptions>, SecretsOptionsValidator>();
        services.AddSingleton<IValidateOptions<MetricsOptions>, MetricsCustomerLabelsValidator>();
        services.AddSingleton<UpstreamKeyProtector>();
        services.AddSingleton<UpstreamKeyReEncryption>();
        services.AddSingleton<CustomerStore>();
        services.AddSingleton<UpstreamKeyStore>();
        services.AddHostedService<CustomerIndexBackfill>();
        services.AddSingleton<ProxyKeyAuthenticator>();
        services.AddSingleton<IProxyKeyAuthenticator>(sp => sp.GetRequiredService<ProxyKeyAuthenticator>());
        services.AddSingleton<AccessTokenSigningKey>();
        services.AddSingleton<AccessTokenIssuer>();
        services.AddSingleton<AccessTokenValidator>();
        return services;
    }
}
