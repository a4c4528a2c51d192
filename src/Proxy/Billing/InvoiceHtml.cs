using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace Proxy.Billing;

/// <summary>The printable invoice: one self-contained HTML page (inline CSS, no script, nothing fetched), every text
/// HTML-encoded (customer ids, model and indicator names come from outside), amounts in the currency's minor units
/// (<see cref="MoneyFormat"/>).</summary>
internal static class InvoiceHtml
{
    public const string ContentType = "text/html; charset=utf-8";

    private const string Style = """
        body{font-family:Helvetica,Arial,sans-serif;color:#222;margin:2em auto;max-width:52em;padding:0 1em}
        h1{font-size:1.5em;margin-bottom:.2em}
        dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em;margin:1em 0}
        dt{color:#666}dd{margin:0}
        table{width:100%;border-collapse:collapse;margin-top:1em}
        th,td{padding:.4em .6em;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
        th{background:#f4f4f4}
        td.num,th.num{text-align:right;white-space:nowrap}
        tfoot td{font-weight:bold;border-top:2px solid #222;border-bottom:none}
        .status{display:inline-block;padding:.1em .5em;border:1px solid #888;border-radius:.3em;font-size:.8em}
        @media print{body{margin:0;max-width:none}th{background:none}}
        """;

    /// <summary>The text of the invoice's one <c>&lt;style&gt;</c> element, exactly as rendered: the admin console's
    /// CSP allows it by its hash (the console opens the invoice as a blob, which inherits the console's policy).</summary>
    public const string StyleElementText = "\n" + Style;

    public static string Render(Invoice invoice)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Invoice ")
            .Append(Encode(invoice.Customer)).Append(' ').Append(Encode(invoice.Month)).Append("</title>\n<style>")
            .Append(StyleElementText).Append("</style>\n</head>\n<body>\n")
            .Append("<h1>Invoice ").Append(Encode(invoice.Month)).Append(" <span class=\"status\">")
            .Append(Encode(invoice.Status)).Append("</span></h1>\n<dl>\n");
        Term(html, "Customer", invoice.Customer);
        Term(html, "Month (UTC)", invoice.Month);
        Term(html, "Currency", invoice.Currency ?? "–");
        Term(html, "Sessions", Number(invoice.Sessions));
        Term(html, "Rated time", Number(invoice.RatedMs) + " ms");
        if (invoice.FinalizedAtMs is { } finalizedAt)
        {
            Term(html, "Finalized", DateTimeOffset.FromUnixTimeMilliseconds(finalizedAt).ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture));
        }

        html.Append("</dl>\n<table>\n<thead><tr><th>Item</th><th>Detail</th><th class=\"num\">Quantity</th><th class=\"num\">Amount</th></tr></thead>\n<tbody>\n");
        foreach (var line in invoice.Lines)
        {
            html.Append("<tr><td>").Append(Encode(Item(line))).Append("</td><td>").Append(Encode(Detail(line)))
                .Append("</td><td class=\"num\">").Append(Encode(Number(line.Quantity) + " " + line.Unit))
                .Append("</td><td class=\"num\">").Append(Encode(MoneyFormat.Format(line.AmountMicros, invoice.Currency)))
                .Append("</td></tr>\n");
        }

        if (invoice.Lines.Count == 0)
        {
            html.Append("<tr><td colspan=\"4\">No usage in this month.</td></tr>\n");
        }

        html.Append("</tbody>\n<tfoot><tr><td colspan=\"3\">Total</td><td class=\"num\">")
            .Append(Encode(MoneyFormat.Format(invoice.TotalMicros, invoice.Currency)))
            .Append("</td></tr></tfoot>\n</table>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static string Item(InvoiceLine line) => line.Kind switch
    {
        InvoiceLine.Usage => "Usage",
        InvoiceLine.FlatFee => "Per-session fee",
        InvoiceLine.ModelSurcharge => "Model surcharge",
        InvoiceLine.Indicator => "Outcome indicator",
        InvoiceLine.Adjustment => $"Adjustment of {line.AdjustsMonth}: {Item(line with { Kind = line.AdjustsKind ?? string.Empty })}",
        _ => line.Kind,
    };

    private static string Detail(InvoiceLine line) => line.Kind switch
    {
        InvoiceLine.Adjustment => Detail(line with { Kind = line.AdjustsKind ?? string.Empty }),
        InvoiceLine.Usage or InvoiceLine.FlatFee => string.Create(CultureInfo.InvariantCulture,
            $"plan {line.PlanId} v{line.PlanVersion}, {line.Sessions} sessions"),
        InvoiceLine.ModelSurcharge => $"{line.Component}: {line.Model}",
        _ => line.Name ?? string.Empty,
    };

    private static void Term(StringBuilder html, string term, string value) =>
        html.Append("<dt>").Append(Encode(term)).Append("</dt><dd>").Append(Encode(value)).Append("</dd>\n");

    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Encode(string text) => HtmlEncoder.Default.Encode(text);
}
