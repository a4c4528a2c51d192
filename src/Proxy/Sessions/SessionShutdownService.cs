namespace Proxy.Sessions;

/// <summary>
/// Ends live sessions when the host stops, so each one is finalized with close_reason <c>shutdown</c> while Redis is
/// still there, instead of being cut when the server gives up waiting.
/// </summary>
internal sealed class SessionShutdownService : IHostedService
{
    private readonly SessionRegistry _registry;
    private readonly IHostApplicationLifetime _lifetime;
    private CancellationTokenRegistration _registration;

    public SessionShutdownService(SessionRegistry registry, IHostApplicationLifetime lifetime)
    {
        _registry = registry;
        _lifetime = lifetime;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _registration = _lifetime.ApplicationStopping.Register(() =>
        {
            foreach (var session in _registry.Snapshot())
            {
                session.RequestShutdown();
            }
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _registration.Dispose();
        return Task.CompletedTask;
    }
}
