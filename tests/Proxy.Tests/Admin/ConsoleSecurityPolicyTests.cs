using System.Text.RegularExpressions;
using Proxy.Admin;
using Proxy.Billing;

namespace Proxy.Tests.Admin;

public sealed class ConsoleSecurityPolicyTests
{
    [Fact]
    public void The_policy_allows_nothing_inline_but_the_printable_invoices_own_style()
    {
        var directives = ConsoleSecurityPolicy.ContentSecurityPolicy.Split(';', StringSplitOptions.TrimEntries)
            .ToDictionary(d => d.Split(' ')[0], d => d[(d.IndexOf(' ', StringComparison.Ordinal) + 1)..], StringComparer.Ordinal);

        Assert.Equal("'none'", directives["default-src"]);
        Assert.Equal("'self'", directives["script-src"]);
        Assert.Equal("'self' data: blob:", directives["img-src"]);
        Assert.Equal("'self'", directives["connect-src"]);
        Assert.Equal("'none'", directives["base-uri"]);
        Assert.Equal("'none'", directives["form-action"]);
        Assert.Equal("'none'", directives["frame-ancestors"]);
        Assert.DoesNotContain("unsafe", ConsoleSecurityPolicy.ContentSecurityPolicy, StringComparison.Ordinal);
        Assert.Matches("^'self' 'sha256-[A-Za-z0-9+/]{43}='$", directives["style-src"]);
    }

    [Fact]
    public void The_style_hash_is_the_hash_of_the_style_element_a_rendered_invoice_carries()
    {
        var html = InvoiceHtml.Render(new Invoice { Customer = "acme", Month = "2026-11", Currency = "USD", Status = Invoice.Open, Lines = [], TotalMicros = 0, Sessions = 0, RatedMs = 0 });
        var styles = Regex.Matches(html, "<style>(?<text>.*?)</style>", RegexOptions.Singleline);
        var style = Assert.Single(styles).Groups["text"].Value;

        Assert.Contains($"'{ConsoleSecurityPolicy.HashSource(style)}'", ConsoleSecurityPolicy.ContentSecurityPolicy, StringComparison.Ordinal);
        // No inline style attribute in the invoice either: the hash allows elements, not attributes.
        Assert.DoesNotMatch(@"<[^>]*\sstyle\s*=", html);
    }

    [Fact]
    public void A_hash_source_is_the_base64_sha256_of_the_utf8_text()
    {
        // echo -n 'p{}' | openssl dgst -sha256 -binary | base64
        Assert.Equal("sha256-gG2yISYereRMiG2lMXrbiUgi0Ubw9p7QCeWcroOvy9Y=", ConsoleSecurityPolicy.HashSource("p{}"));
    }
}
