namespace Proxy.Admin;

/// <summary>Binds the <c>Admin</c> configuration section.</summary>
internal sealed class AdminOptions
{
    public const string SectionName = "Admin";

    public const int DefaultAuditMaxEntries = 100_000;

    /// <summary>Bearer tokens accepted by the admin API (several, so they can be rotated without downtime), each a
    /// plain string (role admin) or named with a role (<see cref="AdminTokenEntry"/>).</summary>
    public AdminTokenEntry[] Tokens { get; set; } = [];

    /// <summary>About how many entries the audit log keeps (the oldest go first; trimmed approximately).</summary>
    public int AuditMaxEntries { get; set; } = DefaultAuditMaxEntries;

    /// <summary>The entries that hold a token, each with its name. A plain empty entry is skipped, as before roles
    /// existed (an emptied variable retires a token); an object without a token is the validator's to refuse.</summary>
    public IEnumerable<(string Name, AdminTokenEntry Entry)> ConfiguredTokens() =>
        Tokens.Select((entry, index) => (Name: entry?.NameAt(index) ?? "", Entry: entry!)).Where(t => !string.IsNullOrEmpty(t.Entry?.Token));
}
