using Microsoft.Net.Http.Headers;
using Proxy.Runtime;

namespace Proxy.Admin;

/// <summary>The admin console at <c>/admin/console/</c>: static files on the admin listener only (404 on the public
/// one, like the admin API). The files hold no data, so they need no token; every call the console makes to the admin
/// API carries the token in its Authorization header. Every answer (a 404 too) carries the console's security headers
/// (<see cref="ConsoleSecurityPolicy"/>); files are revalidated by ETag (Cache-Control: no-cache) so a new build is
/// picked up at once.</summary>
internal static class ConsoleEndpoints
{
    public const string RootPath = "/admin/console/";

    private const string IndexFile = "index.html";

    public static IEndpointRouteBuilder MapAdminConsole(this IEndpointRouteBuilder app)
    {
        var files = ConsoleFiles.Load(typeof(ConsoleEndpoints).Assembly);

        // Routing matches /admin/console with and without its slash; relative URLs in index.html (js/app.js) resolve
        // against the folder, so the bare name is redirected to the folder.
        app.MapMethods(RootPath + "{**path}", [HttpMethods.Get, HttpMethods.Head], (HttpContext context, string? path) => Serve(context, files, path))
            .WithMetadata(ListenerScope.Admin)
            .ExcludeFromDescription();
        return app;
    }

    private static IResult Serve(HttpContext context, ConsoleFiles files, string? path)
    {
        var response = context.Response;
        ConsoleSecurityPolicy.Apply(response);
        if (string.IsNullOrEmpty(path) && context.Request.Path.Value?.EndsWith('/') != true)
        {
            return Results.Redirect(context.Request.PathBase + RootPath);
        }

        if (!files.TryGet(string.IsNullOrEmpty(path) ? IndexFile : path, out var file))
        {
            return Results.NotFound();
        }

        response.Headers.ETag = file.ETag;
        var request = context.Request.GetTypedHeaders();
        if (request.IfNoneMatch.Any(tag => tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(new EntityTagHeaderValue(file.ETag), useStrongComparison: false)))
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Bytes(file.Content, file.ContentType);
    }
}
