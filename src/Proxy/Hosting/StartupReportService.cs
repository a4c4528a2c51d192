using Microsoft.Extensions.Options;
using Proxy.Admin;
using Proxy.Customers;
using Proxy.Gateway;
using Proxy.Tunnel;
using Proxy.Runtime;
using Proxy.Sessions;

namespace Proxy.Hosting;

/// <summary>Once the listeners are bound, says where they are and what in the configuration needs attention.</summary>
internal sealed class StartupReportService : IHostedService
{
    private readonly IHostApplicationLifetime _lifetime;
    private readonly IServiceProvider _services;
    private readonly ILogger<StartupReportService> _logger;

    // Services are resolved once the host has started: resolving validated options in a hosted service's constructor
    // would fail on invalid configuration before start-up validation can report every problem at once.
    public StartupReportService(IHostApplicationLifetime lifetime, IServiceProvider services, ILogger<StartupReportService> logger)
    {
        _lifetime = lifetime;
        _services = services;
        _logger = logger;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _lifetime.ApplicationStarted.Register(Report);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Report()
    {
        var listeners = _services.GetRequiredService<BoundListeners>();
        var admin = BoundListeners.Describe(listeners.Admin);
        var proxy = BoundListeners.Describe(listeners.Proxy);
        var instanceId = _services.GetRequiredService<ProxyInstance>().Id;
        ListenerStartupLog.Listening(_logger, proxy, admin, instanceId);
        if (!_services.GetRequiredService<AdminTokenVerifier>().Enabled)
        {
            ListenerStartupLog.AdminApiOpen(_logger, admin);
        }

        if (_services.GetRequiredService<UpstreamKeyProtector>().UsesDevelopmentKey)
        {
            ListenerStartupLog.DevelopmentMasterKey(_logger);
        }

        if (string.IsNullOrEmpty(_services.GetRequiredService<IOptions<UpstreamOptions>>().Value.ApiKey))
        {
            ListenerStartupLog.NoDefaultUpstreamKey(_logger);
        }

        SessionControlLog.LeadsShortened(_logger, _services.GetRequiredService<SessionPolicyResolver>().ShortenedLeads(CustomerSettings.None));
    }
}
