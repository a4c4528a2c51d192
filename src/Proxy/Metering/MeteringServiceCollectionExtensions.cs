using Microsoft.Extensions.Options;
using Proxy.Runtime;

namespace Proxy.Metering;

internal static class MeteringServiceCollectionExtensions
{
    public static IServiceCollection AddMetering(this IServiceCollection services)
    {
        services.AddOptions<MeteringOptions>().BindSection(MeteringOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MeteringOptions>, MeteringOptionsValidator>();
        return services;
    }
}
