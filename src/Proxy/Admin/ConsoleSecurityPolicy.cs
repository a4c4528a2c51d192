using System.Security.Cryptography;
using System.Text;
using Proxy.Billing;

namespace Proxy.Admin;

/// <summary>The Content-Security-Policy of every admin console response: scripts, styles and data only from the
/// console's own origin, no inline script, style or handler, no framing, no form posts, no base URL games. The one
/// exception is the printable invoice: the console fetches it with the token and opens it as a blob, and a blob document
/// inherits the policy of the page that made it, so InvoiceHtml's one constant <c>&lt;style&gt;</c> is allowed by its
/// hash, computed here from the same constant so the two cannot drift apart.</summary>
internal static class ConsoleSecurityPolicy
{
    public static readonly string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; "
        + $"style-src 'self' '{HashSource(InvoiceHtml.StyleElementText)}'; "
        + "img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>A CSP hash source (<c>sha256-…</c>) of an inline element's text, as browsers hash it: UTF-8 bytes.</summary>
    public static string HashSource(string elementText) =>
        "sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(elementText)));

    public static void Apply(HttpResponse response)
    {
        var headers = response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XFrameOptions = "DENY";
        headers.CacheControl = "no-cache";
    }
}
