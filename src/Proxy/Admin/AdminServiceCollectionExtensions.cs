using Microsoft.Extensions.Options;
using Proxy.Runtime;

namespace Proxy.Admin;

internal static class AdminServiceCollectionExtensions
{
    public static IServiceCollection AddAdminApi(this IServiceCollection services)
    {
        services.AddOptions<AdminOptions>().BindSection(AdminOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AdminOptions>, AdminOptionsValidator>();
        services.AddSingleton<AdminTokenVerifier>();
        return services;
    }
}
