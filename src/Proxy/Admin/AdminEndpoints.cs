using Proxy.Runtime;

namespace Proxy.Admin;

internal static class AdminEndpoints
{
    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/admin/v1")
            .WithMetadata(ListenerScope.Admin)
            .AddEndpointFilter<AdminAuthorizationFilter>()
            .AddEndpointFilter<StorageUnavailableFilter>()
            .MapCustomerEndpoints()
            .MapSessionEndpoints()
            .MapCustomerSettingsEndpoints()
            .MapInstanceEndpoints()
            .MapPlanEndpoints()
            .MapUsageEndpoints()
            .MapInvoiceEndpoints();
        return app;
    }
}
