using System.Text.RegularExpressions;

namespace Proxy.Billing;

/// <summary>Outcome indicator names: they become parts of usage hash field names (<c>indicator:&lt;name&gt;:count</c>)
/// and plan keys, so the same rule as ids: no colons, braces or spaces.</summary>
internal static partial class IndicatorNames
{
    public const string Rule = "1-64 characters: letters, digits, '.', '_' or '-'";

    public static bool IsValid(string? name) => name is not null && Pattern().IsMatch(name);

    [GeneratedRegex(@"\A[A-Za-z0-9._-]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
