using Proxy.Runtime;
using Scalar.AspNetCore;

namespace Proxy.Admin;

internal static class AdminEndpoints
{
    public const string OpenApiDocument = "admin";

    /// <summary>Where the OpenAPI document is served (admin listener only, like everything here).</summary>
    public const string OpenApiPath = "/admin/openapi/{documentName}.json";

    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        // The description of the API holds no data, so reading it needs no token; it is on the admin port only.
        app.MapOpenApi(OpenApiPath).WithMetadata(ListenerScope.Admin);
        app.MapScalarApiReference("/admin/docs", options => options
                .WithTitle("Deepgram agent gateway – admin API")
                .WithOpenApiRoutePattern(OpenApiPath)
                .AddDocument(OpenApiDocument))
            .WithMetadata(ListenerScope.Admin);

        // Built now, not at the first change: its failure counter is scraped at 0 from the start.
        _ = app.ServiceProvider.GetRequiredService<AdminMetrics>();
        app.MapGroup("/admin/v1")
            .WithMetadata(ListenerScope.Admin)
            // Outermost first: the audit filter sees every answer, the authorization filter's refusals included.
            .AddEndpointFilter<AdminAuditFilter>()
            .AddEndpointFilter<AdminAuthorizationFilter>()
            .AddEndpointFilter<StorageUnavailableFilter>()
            .MapCustomerEndpoints()
            .MapUpstreamKeyEndpoints()
            .MapSessionEndpoints()
            .MapCustomerSettingsEndpoints()
            .MapInstanceEndpoints()
            .MapPlanEndpoints()
            .MapUsageEndpoints()
            .MapIndicatorEndpoints()
            .MapInvoiceEndpoints()
            .MapReconcileEndpoints()
            .MapSecretsEndpoints()
            .MapWhoAmIEndpoints()
            .MapAuditEndpoints();
        return app;
    }
}
