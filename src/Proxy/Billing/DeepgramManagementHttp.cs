namespace Proxy.Billing;

/// <summary>
/// Registers the one HTTP client every caller of Deepgram's management API uses (the requests list, the keys API):
/// named <see cref="DeepgramManagementApi.HttpClientName"/>, with <see cref="DeepgramManagementRetryHandler"/> in its
/// pipeline. Its own timeout is off: the handler times each try (<c>Deepgram:RequestTimeout</c>) and bounds the retries, so a whole call takes at most
/// <c>MaxAttempts × RequestTimeout + RetryBudget</c>.
/// </summary>
internal static class DeepgramManagementHttp
{
    public static IServiceCollection AddDeepgramManagementHttpClient(this IServiceCollection services)
    {
        services.AddTransient<DeepgramManagementRetryHandler>();
        services.AddHttpClient(DeepgramManagementApi.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .AddHttpMessageHandler<DeepgramManagementRetryHandler>();
        return services;
    }
}
