using System.Text.RegularExpressions;

namespace Proxy.Customers;

/// <summary>
/// Customer ids are the operator's own external ids. They become part of Redis key names inside a cluster hash tag,
/// so braces, colons and spaces are not allowed.
/// </summary>
internal static partial class CustomerIds
{
    public const string Rule = "1-64 characters: letters, digits, '.', '_' or '-'";

    public static bool IsValid(string? customerId) => customerId is not null && Pattern().IsMatch(customerId);

    [GeneratedRegex(@"\A[A-Za-z0-9._-]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
