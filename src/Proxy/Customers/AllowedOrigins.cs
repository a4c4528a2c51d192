using System.Collections.Immutable;

namespace Proxy.Customers;

/// <summary>
/// The browser origins a customer's clients may connect from (the <c>Origin</c> header of the upgrade), each in its
/// serialized form (RFC 6454: lower-case scheme and host, the scheme's default port left out), the form a browser
/// sends. An empty list allows any origin.
/// </summary>
internal readonly record struct AllowedOrigins
{
    public static readonly AllowedOrigins Any = new([]);

    public AllowedOrigins(ImmutableArray<string> origins)
    {
        Origins = origins.IsDefault ? [] : origins;
    }

    public ImmutableArray<string> Origins { get; }

    public bool AllowsAny => Origins.IsDefaultOrEmpty;

    /// <summary>Whether an <c>Origin</c> header's value is on the list. One that is not an origin (a browser's
    /// <c>null</c> for a file or sandboxed page) matches none.</summary>
    public bool Allows(string origin) =>
        AllowsAny || (TrySerialize(origin, out var serialized) && Origins.Contains(serialized, StringComparer.Ordinal));

    /// <summary>An origin as <c>scheme://host[:port]</c> (http or https, nothing after the authority, no user info)
    /// in its serialized form; false for anything else.</summary>
    public static bool TrySerialize(string text, out string serialized)
    {
        serialized = string.Empty;
        var authorityStart = text.IndexOf("://", StringComparison.Ordinal);
        if (authorityStart <= 0
            || text.AsSpan(authorityStart + 3).IndexOfAny('/', '?', '#') >= 0
            || text.AsSpan(authorityStart + 3).IndexOfAny('@', ' ', '\\') >= 0
            || !Uri.TryCreate(text, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || uri.Host.Length == 0)
        {
            return false;
        }

        serialized = uri.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped);
        return true;
    }
}
