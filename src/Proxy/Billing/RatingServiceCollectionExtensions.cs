using Proxy.Storage;

namespace Proxy.Billing;

internal static class RatingServiceCollectionExtensions
{
    /// <summary>The one rater of final records (the plan versions it reads come with the plans: AddProxyPlans).</summary>
    public static IServiceCollection AddRecordRating(this IServiceCollection services)
    {
        services.AddSingleton<IFinalRecordRater, RecordRater>();
        return services;
    }
}
