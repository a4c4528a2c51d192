namespace Proxy.Sessions;

internal static class SessionsServiceCollectionExtensions
{
    public static IServiceCollection AddAgentSessions(this IServiceCollection services)
    {
        services.AddSingleton<SessionRegistry>();
        services.AddHostedService<SessionShutdownService>();
        return services;
    }
}
