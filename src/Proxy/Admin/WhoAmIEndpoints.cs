namespace Proxy.Admin;

/// <summary>Who the caller is, so a client (the console) shows only what its role may do.</summary>
internal static class WhoAmIEndpoints
{
    public static RouteGroupBuilder MapWhoAmIEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapGet("/whoami", (HttpContext http) =>
            {
                var identity = AdminIdentity.Of(http) ?? AdminIdentity.Development;
                return AdminResults.Json(new WhoAmIView(identity.Name, identity.Role.Name()), AdminJsonContext.Default.WhoAmIView);
            })
            .WithName("WhoAmI")
            .WithSummary("The name and role of the token presented")
            .WithDescription("Role admin may do everything; role read may only read (GET), any other method is 403 forbidden. Never shows the token.")
            .Produces<WhoAmIView>();
        return admin;
    }
}
