using Proxy.Admin;
using Proxy.Billing;
using Proxy.Customers;
using Proxy.Gateway;
using Proxy.Tunnel;
using Proxy.Hosting;
using Proxy.Metering;
using Proxy.Sessions;
using Proxy.Storage;
using Proxy.Telemetry;

// The content root is the binary's folder, where the build copies the repository's root appsettings.json.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
SocketEngineSettings.Apply(builder.Configuration);

builder.Services
    .AddProxyHosting()
    .AddProxyStorage()
    .AddProxyCustomers()
    .AddProxyBilling()
    .AddMetering()
    .AddRecordRating()
    .AddAgentSessions()
    .AddAgentGateway()
    .AddProxyUsageReports()
    .AddProxyInvoices()
    .AddAdminApi()
    .AddProxyTelemetry();

return builder.RunProxy(static app =>
{
    app.UseTrustedForwardedHeaders();
    app.UseRouting();
    app.UseListenerGuard();

    app.MapAgentEndpoints();
    app.MapAdminApi();
    app.MapAdminConsole();
    app.MapHealthEndpoints();
    app.MapProxyMetrics();
});
