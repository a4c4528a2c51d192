using Proxy.Emulator;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    // Test fixtures start the dll from arbitrary working directories; appsettings.json sits beside the binary.
    ContentRootPath = AppContext.BaseDirectory,
});

builder.Services.AddEmulator();
builder.WebHost.ConfigureKestrel(kestrel => kestrel.UseConnectionEndTracking(TimeProvider.System));

// Writes go to the socket on the writing thread, with no hop to an I/O queue: the emulator timestamps a connection's
// start as its 101 is written, and a hop between the two would make the reference late by a scheduling delay.
builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);

var app = builder.Build();
app.UseUpgradedStreamCapture();
app.UseWebSockets();
app.UseWhen(
    context => ManagementTraffic.IsManagementPath(context.Request.Path),
    management => management.Use((context, next) => context.RequestServices.GetRequiredService<ManagementTraffic>().InvokeAsync(context, next)));
app.MapAgentEndpoints();
app.MapConnectionEndpoints();
app.MapManagementRequests();
app.MapManagementKeys();
app.MapAuthGrant();
app.MapManagementControlEndpoints();
app.Run();
