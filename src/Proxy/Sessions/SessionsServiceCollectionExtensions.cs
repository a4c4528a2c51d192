using Microsoft.Extensions.Options;
using Proxy.Runtime;
using Proxy.Telemetry;

namespace Proxy.Sessions;

internal static class SessionsServiceCollectionExtensions
{
    public static IServiceCollection AddAgentSessions(this IServiceCollection services)
    {
        services.AddOptions<SessionControlOptions>().BindSection(SessionControlOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SessionControlOptions>, SessionControlOptionsValidator>();

        // The host must outlive the drain: the drain window, the close grace, time to write the last records (to the
        // spool if Redis does not take them), and the other services' bounded stops after it.
        services.AddOptions<HostOptions>().Configure<IOptions<SessionControlOptions>>((host, options) =>
        {
            // Services stop side by side once the drain is over: one waiting out a Redis that does not answer (an
            // in-flight heartbeat, reaper pass or replay) does not hold up the others' stops in turn.
            host.ServicesStopConcurrently = true;
            if (!BuildTimeOptions.TryGet(options, out var sessions))
            {
                return;
            }

            var needed = sessions.DrainTimeout + sessions.CloseGrace + SessionDrainService.FinalizeAllowance + TimeSpan.FromSeconds(10);
            if (host.ShutdownTimeout < needed)
            {
                host.ShutdownTimeout = needed;
            }
        });

        // Storage writes open records with a lease of this length (one replayed from a spool has none otherwise).
        services.AddOptions<Storage.StorageOptions>().Configure<IOptions<SessionControlOptions>>((storage, options) =>
        {
            if (BuildTimeOptions.TryGet(options, out var sessions))
            {
                storage.LeaseTtl = sessions.LeaseTtl;
            }
        });

        services.AddSingleton<SessionRegistry>();
        services.AddSingleton<SessionRecorder>();
        services.AddSingleton<SessionFinisher>();
        services.AddSingleton<UpstreamKeyLeases>();
        services.AddSingleton<CustomerRecheck>();
        services.AddSingleton<SessionPolicyResolver>();
        services.AddObservedInstruments<SessionGauges>();
        services.AddSingleton<SessionCloser>();
        services.AddSingleton<LiveSettingsApplier>();
        services.AddSingleton<SessionControlStore>();
        services.AddSingleton<SessionControlChannel>();
        services.AddHostedService(provider => provider.GetRequiredService<SessionControlChannel>());
        services.AddHostedService<SessionSupervisor>();
        services.AddHostedService<SessionHeartbeatService>();
        services.AddHostedService<SessionBudgetGuard>();
        services.AddHostedService<SessionDrainService>();
        services.AddHostedService<OrphanReaper>();
        return services;
    }
}
