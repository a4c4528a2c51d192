namespace Proxy.Admin;

/// <summary>What an admin token may do: <see cref="Admin"/> everything, <see cref="Read"/> only read (GET and HEAD),
/// for the people who read usage and invoices.</summary>
internal enum AdminRole
{
    Admin,
    Read,
}

/// <summary>The roles' names in configuration, the API and the audit log.</summary>
internal static class AdminRoles
{
    public const string AdminName = "admin";
    public const string ReadName = "read";

    public static string Name(this AdminRole role) => role == AdminRole.Read ? ReadName : AdminName;

    /// <summary>Only the two names (any case): Enum.TryParse would also take "1" or " read".</summary>
    public static bool TryParse(string? text, out AdminRole role)
    {
        role = AdminRole.Admin;
        if (string.Equals(text, AdminName, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        role = AdminRole.Read;
        return string.Equals(text, ReadName, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Methods that only read: all a <see cref="AdminRole.Read"/> token may send, and the ones the audit log
    /// leaves out.</summary>
    public static bool IsReadOnly(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method);
}
