using System.Globalization;

namespace Proxy.Admin;

/// <summary>
/// One change asked of the admin API, as the audit log keeps it: when (this instance's clock), who (the token's name
/// and role, never the token), what (method, path without the query, and the route it matched) and the status it was
/// answered with. Built from the request line and the endpoint only, so no body or header can reach it.
/// </summary>
internal sealed record AuditEntry(long AtMs, string Actor, AdminRole Role, string Method, string Path, string Route, int Status)
{
    public static AuditEntry For(HttpContext http, AdminIdentity identity, int status, TimeProvider time) => new(
        time.GetUtcNow().ToUnixTimeMilliseconds(),
        identity.Name,
        identity.Role,
        http.Request.Method,
        http.Request.Path.Value ?? "",
        (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "",
        status);

    /// <summary>The instant as ISO-8601 UTC with milliseconds, as the API shows it beside <see cref="AtMs"/>.</summary>
    public string At => DateTimeOffset.FromUnixTimeMilliseconds(AtMs).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public AuditEntryView View(string id) => new(id, AtMs, At, Actor, Role.Name(), Method, Path, Route, Status);
}
