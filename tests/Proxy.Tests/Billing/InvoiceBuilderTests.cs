using Proxy.Billing;

namespace Proxy.Tests.Billing;

public sealed class InvoiceBuilderTests
{
    private static readonly InvoiceMonth November = new(new DateOnly(2026, 11, 1));

    /// <summary>A month as the finalize script aggregates it: two versions of one plan (v2 with a per-session fee),
    /// a priced model whose name contains ':', a model the plan did not price, two indicators (one unpriced) and the
    /// per-key and usage sums the invoice does not use. cost = 400000 + 100000 + 60000 + 250000 + 99999 + 200000.</summary>
    private static Dictionary<string, string> Month() => new(StringComparer.Ordinal)
    {
        ["sessions"] = "5", ["duration_ms"] = "301000", ["billable_ms"] = "302000", ["rated_ms"] = "420000",
        ["cost_micros"] = "1109999", ["currency"] = "USD",
        ["key:k1:sessions"] = "5", ["key:k1:cost_micros"] = "1109999",
        ["plan:gold:1:sessions"] = "3", ["plan:gold:1:rated_ms"] = "300000", ["plan:gold:1:base_micros"] = "400000", ["plan:gold:1:per_session_micros"] = "0",
        ["plan:gold:2:sessions"] = "2", ["plan:gold:2:rated_ms"] = "120000", ["plan:gold:2:base_micros"] = "60000", ["plan:gold:2:per_session_micros"] = "100000",
        ["model:think:gpt-4o:2024:sessions"] = "2", ["model:think:gpt-4o:2024:cost_micros"] = "500000", ["model:think:gpt-4o:2024:surcharge_micros"] = "250000",
        ["model:speak:aura-2:sessions"] = "1", ["model:speak:aura-2:surcharge_micros"] = "99999",
        ["model:listen:nova-3:sessions"] = "5", ["model:listen:nova-3:surcharge_micros"] = "0",
        ["indicator:lead_qualified:count"] = "2", ["indicator:lead_qualified:fee_micros"] = "200000",
        ["indicator:seen:count"] = "1", ["indicator:seen:fee_micros"] = "0",
    };

    [Fact]
    public void Lines_per_plan_version_flat_fee_priced_model_and_indicator_add_up_to_the_month_cost()
    {
        var invoice = InvoiceBuilder.Build("acme", November, Month());

        Assert.Equal(
            [
                "usage gold 1 ms 300000 400000",
                "usage gold 2 ms 120000 60000",
                "flat_fee gold 2 session 2 100000",
                "model_surcharge speak aura-2 session 1 99999",
                "model_surcharge think gpt-4o:2024 session 2 250000",
                "indicator lead_qualified indicator 2 200000",
                "indicator seen indicator 1 0",
            ],
            invoice.Lines.Select(Describe));
        Assert.Equal(1_109_999, invoice.TotalMicros);
        Assert.Equal(("acme", "2026-11", "USD", "open", 5L, 420_000L), (invoice.Customer, invoice.Month, invoice.Currency, invoice.Status, invoice.Sessions, invoice.RatedMs));
        Assert.Null(invoice.FinalizedAtMs);
    }

    [Fact]
    public void Lines_that_do_not_add_up_to_the_month_cost_are_refused_naming_both_numbers()
    {
        var month = Month();
        month["cost_micros"] = "1110000";

        var ex = Assert.Throws<InvalidDataException>(() => InvoiceBuilder.Build("acme", November, month));

        Assert.Contains("1109999", ex.Message, StringComparison.Ordinal);
        Assert.Contains("1110000", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_month_without_usage_is_an_empty_invoice()
    {
        var invoice = InvoiceBuilder.Build("nobody", November, new Dictionary<string, string>());

        Assert.Empty(invoice.Lines);
        Assert.Equal((0L, 0L, 0L, null), (invoice.TotalMicros, invoice.Sessions, invoice.RatedMs, invoice.Currency));
    }

    [Fact]
    public void A_field_that_is_not_an_integer_is_named()
    {
        var month = Month();
        month["plan:gold:1:base_micros"] = "4e5";

        var ex = Assert.Throws<InvalidDataException>(() => InvoiceBuilder.Build("acme", November, month));

        Assert.Contains("plan:gold:1:base_micros", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_total_beyond_64_bits_is_refused_not_wrapped()
    {
        var month = new Dictionary<string, string>
        {
            ["cost_micros"] = "1",
            ["indicator:a:fee_micros"] = long.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["indicator:b:fee_micros"] = "2",
        };

        var ex = Assert.Throws<InvalidDataException>(() => InvoiceBuilder.Build("acme", November, month));

        Assert.Contains("overflows", ex.Message, StringComparison.Ordinal);
    }

    private static string Describe(InvoiceLine line) => line.Kind switch
    {
        InvoiceLine.Usage or InvoiceLine.FlatFee => $"{line.Kind} {line.PlanId} {line.PlanVersion} {line.Unit} {line.Quantity} {line.AmountMicros}",
        InvoiceLine.ModelSurcharge => $"{line.Kind} {line.Component} {line.Model} {line.Unit} {line.Quantity} {line.AmountMicros}",
        _ => $"{line.Kind} {line.Name} {line.Unit} {line.Quantity} {line.AmountMicros}",
    };
}
