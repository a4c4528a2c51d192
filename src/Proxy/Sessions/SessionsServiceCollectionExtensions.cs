using Microsoft.Extensions.Options;

namespace Proxy.Sessions;

internal static class SessionsServiceCollectionExtensions
{
    public static IServiceCollection AddAgentSessions(this IServiceCollection services)
    {
        services.AddOptions<SessionControlOptions>().BindConfiguration(SessionControlOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SessionControlOptions>, SessionControlOptionsValidator>();

        // The host must outlive the drain: the drain window, the close grace, time to write the last records (to the
        // spool if Redis does not take them), and the other services' bounded stops after it.
        services.AddOptions<HostOptions>().Configure<IOptions<SessionControlOptions>>((host, sessions) =>
        {
            var needed = sessions.Value.DrainTimeout + sessions.Value.CloseGrace + SessionDrainService.FinalizeAllowance + TimeSpan.FromSeconds(10);
            // Services stop side by side once the drain is over: one waiting out a Redis that does not answer (an
            // in-flight heartbeat, reaper pass or replay) does not hold up the others' stops in turn.
            host.ServicesStopConcurrently = true;
            if (host.ShutdownTimeout < needed)
            {
                host.ShutdownTimeout = needed;
            }
        });

        services.AddSingleton<SessionRegistry>();
        services.AddSingleton<SessionPolicyResolver>();
        services.AddSingleton<SessionCloser>();
        services.AddSingleton<LiveSettingsApplier>();
        services.AddSingleton<SessionControlChannel>();
        services.AddHostedService(provider => provider.GetRequiredService<SessionControlChannel>());
        services.AddHostedService<SessionSupervisor>();
        services.AddHostedService<SessionHeartbeatService>();
        services.AddHostedService<SessionDrainService>();
        services.AddHostedService<OrphanReaper>();
        return services;
    }
}
