using Proxy.Admin;
using Proxy.Customers;
using Proxy.Forwarding;
using Proxy.Hosting;
using Proxy.Metering;
using Proxy.Sessions;
using Proxy.Storage;

// The content root is the binary's folder, where the build copies the repository's root appsettings.json.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

builder.Services
    .AddProxyHosting()
    .AddProxyStorage()
    .AddProxyCustomers()
    .AddMetering()
    .AddAgentSessions()
    .AddAgentForwarding()
    .AddAdminApi();

var app = builder.Build();

app.UseRouting();
app.UseListenerGuard();

app.MapAgentEndpoints();
app.MapAdminApi();
app.MapHealthEndpoints();

return app.RunProxy();
