using Proxy.Billing;

namespace Proxy.Tests.Billing;

public sealed class UsageReportTests
{
    private static readonly DateOnly Dec1 = new(2026, 12, 1);
    private static readonly DateOnly Dec2 = new(2026, 12, 2);
    private static readonly DateOnly Dec5 = new(2026, 12, 5);
    private static readonly UsageRange December = new(Dec1, new DateOnly(2026, 12, 31));

    // Two days of a customer with two keys and three models, as the finalize script aggregates them. Day 1: three
    // sessions (two on key k1 with gpt-5, one on k2 with gemini); day 2: two sessions on k1, one of them with a
    // versioned model name containing ':'.
    private static readonly UsageDay Day1 = Day(Dec1, new()
    {
        ["sessions"] = "3", ["duration_ms"] = "61000", ["billable_ms"] = "62000", ["rated_ms"] = "120000", ["cost_micros"] = "900000",
        ["currency"] = "USD",
        ["key:k1:sessions"] = "2", ["key:k1:duration_ms"] = "60000", ["key:k1:billable_ms"] = "60500", ["key:k1:rated_ms"] = "60000", ["key:k1:cost_micros"] = "700000",
        ["key:k2:sessions"] = "1", ["key:k2:duration_ms"] = "1000", ["key:k2:billable_ms"] = "1500", ["key:k2:rated_ms"] = "60000", ["key:k2:cost_micros"] = "200000",
        ["model:think:gpt-5:sessions"] = "2", ["model:think:gpt-5:duration_ms"] = "60000", ["model:think:gpt-5:billable_ms"] = "60500",
        ["model:think:gpt-5:rated_ms"] = "60000", ["model:think:gpt-5:cost_micros"] = "700000", ["model:think:gpt-5:surcharge_micros"] = "500000",
        ["model:think:gemini:sessions"] = "1", ["model:think:gemini:duration_ms"] = "1000", ["model:think:gemini:billable_ms"] = "1500",
        ["model:think:gemini:rated_ms"] = "60000", ["model:think:gemini:cost_micros"] = "200000", ["model:think:gemini:surcharge_micros"] = "0",
        ["model:speak:aura-2-thalia-en:sessions"] = "3", ["model:speak:aura-2-thalia-en:duration_ms"] = "61000", ["model:speak:aura-2-thalia-en:billable_ms"] = "62000",
        ["model:speak:aura-2-thalia-en:rated_ms"] = "120000", ["model:speak:aura-2-thalia-en:cost_micros"] = "900000", ["model:speak:aura-2-thalia-en:surcharge_micros"] = "7",
        ["plan:gold:1:sessions"] = "3", ["plan:gold:1:base_micros"] = "400000", ["indicator:lead:count"] = "1", ["indicator:lead:fee_micros"] = "not summed here",
    });

    private static readonly UsageDay Day2 = Day(Dec2, new()
    {
        ["sessions"] = "2", ["duration_ms"] = "5000", ["billable_ms"] = "5000", ["rated_ms"] = "60000", ["cost_micros"] = "300001",
        ["currency"] = "USD",
        ["key:k1:sessions"] = "2", ["key:k1:duration_ms"] = "5000", ["key:k1:billable_ms"] = "5000", ["key:k1:rated_ms"] = "60000", ["key:k1:cost_micros"] = "300001",
        ["model:think:gpt-5:sessions"] = "1", ["model:think:gpt-5:duration_ms"] = "2000", ["model:think:gpt-5:billable_ms"] = "2000",
        ["model:think:gpt-5:rated_ms"] = "30000", ["model:think:gpt-5:cost_micros"] = "150001", ["model:think:gpt-5:surcharge_micros"] = "100000",
        ["model:think:gpt-4o:2024:sessions"] = "1", ["model:think:gpt-4o:2024:duration_ms"] = "3000", ["model:think:gpt-4o:2024:billable_ms"] = "3000",
        ["model:think:gpt-4o:2024:rated_ms"] = "30000", ["model:think:gpt-4o:2024:cost_micros"] = "150000", ["model:think:gpt-4o:2024:surcharge_micros"] = "99999",
    });

    private static readonly UsageTotals BothDays = new(5, 66_000, 67_000, 180_000, 1_200_001);

    [Fact]
    public void Day_rows_are_each_day_with_usage_ascending_and_the_total_is_their_sum()
    {
        var report = Build(UsageGrouping.Day, Day2, Day1);

        Assert.Equal("acme", report.Customer);
        Assert.Equal("USD", report.Currency);
        Assert.Equal(Dec1, report.From);
        Assert.Equal(new DateOnly(2026, 12, 31), report.To);
        Assert.Equal(UsageGrouping.Day, report.GroupBy);
        Assert.Equal(
            [
                new UsageRow { Day = Dec1, Sessions = 3, DurationMs = 61_000, BillableMs = 62_000, RatedMs = 120_000, CostMicros = 900_000 },
                new UsageRow { Day = Dec2, Sessions = 2, DurationMs = 5_000, BillableMs = 5_000, RatedMs = 60_000, CostMicros = 300_001 },
            ],
            report.Rows);
        Assert.Equal(BothDays, report.Total);
    }

    [Fact]
    public void Key_rows_add_each_keys_fields_over_the_days_sorted_by_key_id()
    {
        var report = Build(UsageGrouping.Key, Day1, Day2);

        Assert.Equal(
            [
                new UsageRow { KeyId = "k1", Sessions = 4, DurationMs = 65_000, BillableMs = 65_500, RatedMs = 120_000, CostMicros = 1_000_001 },
                new UsageRow { KeyId = "k2", Sessions = 1, DurationMs = 1_000, BillableMs = 1_500, RatedMs = 60_000, CostMicros = 200_000 },
            ],
            report.Rows);
        Assert.Equal(BothDays, report.Total);
    }

    [Fact]
    public void Model_rows_count_the_sessions_that_used_each_model_with_its_surcharge_and_the_total_stays_the_day_sum()
    {
        var report = Build(UsageGrouping.Model, Day1, Day2);

        Assert.Equal(
            [
                new UsageRow { Component = "speak", Model = "aura-2-thalia-en", Sessions = 3, DurationMs = 61_000, BillableMs = 62_000, RatedMs = 120_000, CostMicros = 900_000, SurchargeMicros = 7 },
                new UsageRow { Component = "think", Model = "gemini", Sessions = 1, DurationMs = 1_000, BillableMs = 1_500, RatedMs = 60_000, CostMicros = 200_000, SurchargeMicros = 0 },
                new UsageRow { Component = "think", Model = "gpt-4o:2024", Sessions = 1, DurationMs = 3_000, BillableMs = 3_000, RatedMs = 30_000, CostMicros = 150_000, SurchargeMicros = 99_999 },
                new UsageRow { Component = "think", Model = "gpt-5", Sessions = 3, DurationMs = 62_000, BillableMs = 62_500, RatedMs = 90_000, CostMicros = 850_001, SurchargeMicros = 600_000 },
            ],
            report.Rows);

        // A session counts under each model it used, so the model rows add up to more than the records.
        Assert.Equal(8, report.Rows.Sum(r => r.Sessions));
        Assert.Equal(BothDays, report.Total);
    }

    [Fact]
    public void A_day_aggregated_before_billing_reports_its_durations_with_zero_rated_time_and_cost()
    {
        var legacy = Day(Dec5, new() { ["sessions"] = "2", ["duration_ms"] = "4500", ["billable_ms"] = "5000" });

        var report = Build(UsageGrouping.Day, legacy);

        Assert.Null(report.Currency);
        Assert.Equal([new UsageRow { Day = Dec5, Sessions = 2, DurationMs = 4_500, BillableMs = 5_000 }], report.Rows);
        Assert.Equal(new UsageTotals(2, 4_500, 5_000, 0, 0), report.Total);
    }

    [Fact]
    public void Legacy_and_billed_days_together_take_the_billed_days_currency()
    {
        var legacy = Day(Dec5, new() { ["sessions"] = "1", ["duration_ms"] = "1000", ["billable_ms"] = "1000" });

        var report = Build(UsageGrouping.Day, Day1, legacy);

        Assert.Equal("USD", report.Currency);
        Assert.Equal(new UsageTotals(4, 62_000, 63_000, 120_000, 900_000), report.Total);
    }

    [Fact]
    public void No_usage_is_an_empty_report_with_no_currency()
    {
        foreach (var grouping in new[] { UsageGrouping.Day, UsageGrouping.Key, UsageGrouping.Model })
        {
            var report = Build(grouping);

            Assert.Null(report.Currency);
            Assert.Empty(report.Rows);
            Assert.Equal(default, report.Total);
        }
    }

    [Fact]
    public void Days_in_two_currencies_are_refused_with_each_currency_and_its_days()
    {
        var euroDay = Day(new DateOnly(2027, 1, 1), new() { ["sessions"] = "1", ["cost_micros"] = "5", ["currency"] = "EUR" });
        var range = new UsageRange(Dec1, new DateOnly(2027, 1, 31));

        Assert.False(UsageReport.TryBuild("acme", range, UsageGrouping.Day, [Day1, Day2, euroDay], out var report, out var currencies));

        Assert.Null(report);
        Assert.Equal(
            [new UsageCurrencySpan("USD", Dec1, Dec2), new UsageCurrencySpan("EUR", new DateOnly(2027, 1, 1), new DateOnly(2027, 1, 1))],
            currencies);
    }

    [Fact]
    public void A_key_or_model_field_without_the_day_fields_still_counts_in_its_row_but_not_in_the_total()
    {
        var partial = Day(Dec5, new() { ["key:k9:sessions"] = "1", ["model:listen:nova-3:sessions"] = "1" });

        Assert.Equal([new UsageRow { KeyId = "k9", Sessions = 1 }], Build(UsageGrouping.Key, partial).Rows);
        Assert.Equal([new UsageRow { Component = "listen", Model = "nova-3", Sessions = 1, SurchargeMicros = 0 }], Build(UsageGrouping.Model, partial).Rows);
        Assert.Equal(default, Build(UsageGrouping.Model, partial).Total);
    }

    [Theory]
    [InlineData("cost_micros", "12.5")]
    [InlineData("sessions", "")]
    [InlineData("key:k1:rated_ms", "1e3")]
    [InlineData("model:think:gpt-5:surcharge_micros", "lots")]
    public void A_sum_that_is_not_an_integer_is_an_error_naming_the_day_and_field(string name, string value)
    {
        var bad = Day(Dec5, new() { ["sessions"] = "1", [name] = value });
        var grouping = name.StartsWith("key:", StringComparison.Ordinal) ? UsageGrouping.Key : UsageGrouping.Model;

        var error = Assert.Throws<InvalidDataException>(() => Build(grouping, bad));

        Assert.Contains("2026-12-05", error.Message, StringComparison.Ordinal);
        Assert.Contains(name, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_total_past_64_bits_is_an_error_not_a_wrapped_number()
    {
        var huge = Day(Dec1, new() { ["cost_micros"] = long.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var more = Day(Dec2, new() { ["cost_micros"] = "1" });

        var error = Assert.Throws<InvalidDataException>(() => Build(UsageGrouping.Day, huge, more));

        Assert.Contains("64 bits", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_model_row_past_64_bits_is_an_error_too()
    {
        var huge = Day(Dec1, new() { ["model:think:m:cost_micros"] = long.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var more = Day(Dec2, new() { ["model:think:m:cost_micros"] = "1" });

        Assert.Throws<InvalidDataException>(() => Build(UsageGrouping.Model, huge, more));
    }

    [Fact]
    public void Negative_corrections_are_added_as_they_are()
    {
        var corrected = Day(Dec1, new() { ["sessions"] = "1", ["duration_ms"] = "-5", ["key:k1:duration_ms"] = "-5" });

        Assert.Equal(-5, Build(UsageGrouping.Key, corrected).Rows[0].DurationMs);
        Assert.Equal(-5, Build(UsageGrouping.Key, corrected).Total.DurationMs);
    }

    private static UsageReport Build(UsageGrouping grouping, params UsageDay[] days)
    {
        Assert.True(UsageReport.TryBuild("acme", December, grouping, days, out var report, out var currencies), string.Join(", ", currencies));
        return report;
    }

    private static UsageDay Day(DateOnly day, Dictionary<string, string> fields) => new(day, fields);
}
