using Proxy.Billing;

namespace Proxy.Tests.Billing;

public sealed class InvoiceHtmlTests
{
    private const string Hostile = "<script>alert('x')</script>&\"gpt\"";

    private static Invoice Sample(string? currency = "USD") => new()
    {
        Customer = "acme<b>",
        Month = "2026-11",
        Currency = currency,
        Status = Invoice.Final,
        Sessions = 3,
        RatedMs = 300_000,
        TotalMicros = 1_250_000,
        FinalizedAtMs = 1_796_083_200_000,
        Lines =
        [
            new InvoiceLine { Kind = InvoiceLine.Usage, PlanId = "gold", PlanVersion = 1, Sessions = 3, Quantity = 300_000, Unit = "ms", AmountMicros = 750_000 },
            new InvoiceLine { Kind = InvoiceLine.ModelSurcharge, Component = "think", Model = Hostile, Sessions = 1, Quantity = 1, Unit = "session", AmountMicros = 500_000 },
        ],
    };

    [Fact]
    public void Names_from_outside_are_encoded_and_no_markup_of_theirs_gets_through()
    {
        var html = InvoiceHtml.Render(Sample());

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("acme<b>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("acme&lt;b&gt;", html, StringComparison.Ordinal);
    }

    [Fact]
    public void The_page_is_self_contained_and_shows_amounts_and_total_in_the_currency()
    {
        var html = InvoiceHtml.Render(Sample());

        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.Contains("0.75 USD", html, StringComparison.Ordinal);
        Assert.Contains("0.50 USD", html, StringComparison.Ordinal);
        Assert.Contains("<tfoot><tr><td colspan=\"3\">Total</td><td class=\"num\">1.25 USD</td>", html, StringComparison.Ordinal);
        Assert.Contains("2026-12-01 00:00:00 UTC", html, StringComparison.Ordinal);
        Assert.DoesNotContain("src=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("href=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("url(", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void An_adjustment_line_names_the_month_and_line_it_corrects()
    {
        var invoice = Sample() with
        {
            Lines = [new InvoiceLine { Kind = InvoiceLine.Adjustment, AdjustsMonth = "2026-10", AdjustsKind = InvoiceLine.Indicator, Name = "won", Quantity = -1, Unit = "indicator", AmountMicros = -200_000 }],
        };

        var html = InvoiceHtml.Render(invoice);

        Assert.Contains("<td>Adjustment of 2026-10: Outcome indicator</td><td>won</td><td class=\"num\">-1 indicator</td><td class=\"num\">-0.20 USD</td>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Yen_amounts_have_no_decimals()
    {
        Assert.Contains("<td class=\"num\">1 JPY</td></tr></tfoot>", InvoiceHtml.Render(Sample("JPY")), StringComparison.Ordinal);
    }
}
