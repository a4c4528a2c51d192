namespace Proxy.Admin;

/// <summary>Binds the <c>Admin</c> configuration section.</summary>
internal sealed class AdminOptions
{
    public const string SectionName = "Admin";

    /// <summary>Bearer tokens accepted by the admin API (several, so they can be rotated without downtime).</summary>
    public string[] Tokens { get; set; } = [];
}
