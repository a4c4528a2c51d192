namespace Proxy.Billing;

internal static class UsageServiceCollectionExtensions
{
    /// <summary>The usage reports' reads (GET /admin/v1/usage).</summary>
    public static IServiceCollection AddProxyUsageReports(this IServiceCollection services)
    {
        services.AddSingleton<UsageStore>();
        return services;
    }
}
