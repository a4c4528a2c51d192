using Microsoft.Extensions.Options;

namespace Proxy.Metering;

internal static class MeteringServiceCollectionExtensions
{
    public static IServiceCollection AddMetering(this IServiceCollection services)
    {
        services.AddOptions<MeteringOptions>().BindConfiguration(MeteringOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MeteringOptions>, MeteringOptionsValidator>();
        services.AddSingleton<SessionRecorder>();
        return services;
    }
}
