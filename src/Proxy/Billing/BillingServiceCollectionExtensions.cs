using Microsoft.Extensions.Options;
using Proxy.Runtime;

namespace Proxy.Billing;

internal static class BillingServiceCollectionExtensions
{
    public static IServiceCollection AddProxyBilling(this IServiceCollection services)
    {
        services.AddSingleton<PlanStore>();
        services.AddHostedService<PlanIndexBackfill>();
        services.AddSingleton<PlanCatalog>();
        services.AddSingleton<IPlanVersions>(sp => sp.GetRequiredService<PlanCatalog>());
        services.AddSingleton<UsageCurrencyStore>();
        services.AddSingleton<CustomerCurrencyRule>();
        services.AddSingleton<IndicatorPosting>();
        services.AddSingleton<BudgetStore>();
        services.AddSingleton<BudgetWarnings>();
        services.AddSingleton<BudgetRunningStore>();
        services.AddSingleton<ReconciliationStore>();
        services.AddSingleton<ReconciliationService>();
        services.AddOptions<DeepgramOptions>().BindSection(DeepgramOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DeepgramOptions>, DeepgramOptionsValidator>();
        services.AddDeepgramManagementHttpClient();
        services.AddSingleton<DeepgramRequestsClient>();
        services.AddSingleton<DeepgramKeysClient>();
        services.AddSingleton<UpstreamKeyProvisioning>();
        services.AddSingleton<UpstreamKeyRetirement>();
        services.AddHostedService<UpstreamKeyRetirementService>();
        services.AddSingleton<ScheduledReconciliation>();
        services.AddHostedService(provider => provider.GetRequiredService<ScheduledReconciliation>());
        return services;
    }
}
