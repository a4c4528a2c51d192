using Microsoft.Extensions.Options;
using Proxy.Admin;
using Proxy.Customers;
using Proxy.Forwarding;

namespace Proxy.Hosting;

/// <summary>Once the listeners are bound, says where they are and what in the configuration needs attention.</summary>
internal sealed class StartupReportService : IHostedService
{
    private readonly IHostApplicationLifetime _lifetime;
    private readonly BoundListeners _listeners;
    private readonly ProxyInstance _instance;
    private readonly AdminTokenVerifier _adminTokens;
    private readonly UpstreamKeyProtector _protector;
    private readonly IOptions<UpstreamOptions> _upstream;
    private readonly ILogger<StartupReportService> _logger;

    public StartupReportService(
        IHostApplicationLifetime lifetime,
        BoundListeners listeners,
        ProxyInstance instance,
        AdminTokenVerifier adminTokens,
        UpstreamKeyProtector protector,
        IOptions<UpstreamOptions> upstream,
        ILogger<StartupReportService> logger)
    {
        _lifetime = lifetime;
        _listeners = listeners;
        _instance = instance;
        _adminTokens = adminTokens;
        _protector = protector;
        _upstream = upstream;
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
        var admin = BoundListeners.Describe(_listeners.Admin);
        var proxy = BoundListeners.Describe(_listeners.Proxy);
        ListenerStartupLog.Listening(_logger, proxy, admin, _instance.Id);
        if (!_adminTokens.Enabled)
        {
            ListenerStartupLog.AdminApiOpen(_logger, admin);
        }

        if (_protector.UsesDevelopmentKey)
        {
            ListenerStartupLog.DevelopmentMasterKey(_logger);
        }

        if (string.IsNullOrEmpty(_upstream.Value.ApiKey))
        {
            ListenerStartupLog.NoDefaultUpstreamKey(_logger);
        }
    }
}
