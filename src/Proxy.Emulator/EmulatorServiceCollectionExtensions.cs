using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Proxy.Emulator;

internal static class EmulatorServiceCollectionExtensions
{
    public static IServiceCollection AddEmulator(this IServiceCollection services)
    {
        services.AddOptions<EmulatorOptions>()
            .BindConfiguration(EmulatorOptions.SectionName)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<EmulatorOptions>, EmulatorOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton<AccessTokens>();
        services.AddSingleton<ApiKeyAuthenticator>();
        services.AddSingleton<ManagementAccess>();
        services.AddSingleton<ManagementFaults>();
        services.AddSingleton<ManagementTraffic>();
        services.AddSingleton<ConnectionStore>();
        services.AddSingleton<AgentEndpointHandler>();
        return services;
    }
}
