namespace Proxy.Billing;

/// <summary>
/// The one HTTP client every caller of Deepgram's management API uses (the requests list, the keys API): named
/// <see cref="ClientName"/>, with <see cref="DeepgramManagementRetryHandler"/> in its pipeline. Its own timeout is off:
/// the handler times each try (<c>Deepgram:RequestTimeout</c>) and bounds the retries, so a whole call takes at most
/// <c>MaxAttempts × RequestTimeout + RetryBudget</c>.
/// </summary>
internal static class DeepgramManagementHttp
{
    public const string ClientName = "deepgram-management";

    public static IServiceCollection AddDeepgramManagementHttpClient(this IServiceCollection services)
    {
        services.AddTransient<DeepgramManagementRetryHandler>();
        services.AddHttpClient(ClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .AddHttpMessageHandler<DeepgramManagementRetryHandler>();
        return services;
    }
}
