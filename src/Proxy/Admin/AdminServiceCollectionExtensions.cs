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
        services.AddSingleton<CustomerOffboarding>();
        services.AddSingleton<AuditLogStore>();
        services.AddSingleton<AdminMetrics>();

        // One document for the admin API (the agent endpoint is Deepgram's protocol, documented by Deepgram).
        services.AddOpenApi(AdminEndpoints.OpenApiDocument, options =>
        {
            options.ShouldInclude = endpoint => endpoint.RelativePath?.StartsWith("admin/v1/", StringComparison.Ordinal) == true;
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "Deepgram agent gateway – admin API";
                document.Info.Description = "Customers, keys, settings, sessions, plans and usage. Every call needs `Authorization: Bearer <admin token>` (a token of role read may only GET: 403 forbidden otherwise; every other request is written to the audit log); errors are `{\"error\": code, \"message\": …}`.";
                return Task.CompletedTask;
            });
        });
        return services;
    }
}
