namespace Proxy.Admin;

/// <summary>Who is calling the admin API: the name of the token presented (never the token) and its role. Kept on the
/// request by <see cref="AdminAuthorizationFilter"/>, for whoami and the audit log.</summary>
internal sealed record AdminIdentity(string Name, AdminRole Role)
{
    /// <summary>Everyone, in Development without tokens (the API is open then).</summary>
    public static readonly AdminIdentity Development = new("development", AdminRole.Admin);

    public static void Set(HttpContext context, AdminIdentity identity) => context.Features.Set(identity);

    /// <summary>Null until the request passed authentication.</summary>
    public static AdminIdentity? Of(HttpContext context) => context.Features.Get<AdminIdentity>();
}
