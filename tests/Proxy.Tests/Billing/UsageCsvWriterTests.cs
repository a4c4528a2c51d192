using System.Text;
using System.Text.Json;
using Proxy.Admin;
using Proxy.Billing;

namespace Proxy.Tests.Billing;

public sealed class UsageCsvWriterTests
{
    private static readonly UsageRange December = new(new DateOnly(2026, 12, 1), new DateOnly(2026, 12, 31));

    [Fact]
    public async Task Day_rows_are_a_header_and_one_crlf_record_per_row_without_a_total_row()
    {
        var csv = await WriteAsync(UsageGrouping.Day,
        [
            new UsageRow { Day = new DateOnly(2026, 12, 1), Sessions = 3, DurationMs = 61_000, BillableMs = 62_000, RatedMs = 120_000, CostMicros = 900_000 },
            new UsageRow { Day = new DateOnly(2026, 12, 2), Sessions = 2, DurationMs = 5_000, BillableMs = 5_000, RatedMs = 60_000, CostMicros = 300_001 },
        ]);

        Assert.Equal(
            "day,sessions,duration_ms,billable_ms,rated_ms,cost_micros\r\n" +
            "2026-12-01,3,61000,62000,120000,900000\r\n" +
            "2026-12-02,2,5000,5000,60000,300001\r\n",
            csv);
    }

    [Fact]
    public async Task Key_rows_are_keyed_by_key_id()
    {
        var csv = await WriteAsync(UsageGrouping.Key, [new UsageRow { KeyId = "k_1", Sessions = 1, DurationMs = 2, BillableMs = 1000, RatedMs = 1000, CostMicros = 2500 }]);

        Assert.Equal("key_id,sessions,duration_ms,billable_ms,rated_ms,cost_micros\r\nk_1,1,2,1000,1000,2500\r\n", csv);
    }

    [Fact]
    public async Task A_model_name_with_a_comma_a_quote_or_a_colon_is_quoted_per_rfc_4180()
    {
        var csv = await WriteAsync(UsageGrouping.Model,
        [
            new UsageRow { Component = "think", Model = "acme, \"large\"", Sessions = 1, DurationMs = 1, BillableMs = 1000, RatedMs = 1000, CostMicros = 7, SurchargeMicros = 5 },
            new UsageRow { Component = "think", Model = "gpt-4o:2024", Sessions = 2, DurationMs = 2, BillableMs = 2000, RatedMs = 2000, CostMicros = 9, SurchargeMicros = 0 },
        ]);

        Assert.Equal(
            "component,model,sessions,duration_ms,billable_ms,rated_ms,cost_micros,surcharge_micros\r\n" +
            "think,\"acme, \"\"large\"\"\",1,1,1000,1000,7,5\r\n" +
            "think,gpt-4o:2024,2,2,2000,2000,9,0\r\n",
            csv);
    }

    [Fact]
    public async Task A_model_name_that_a_spreadsheet_would_run_as_a_formula_is_written_as_text()
    {
        var csv = await WriteAsync(UsageGrouping.Model,
            [new UsageRow { Component = "think", Model = "=HYPERLINK(\"http://x\")", Sessions = 1, SurchargeMicros = 0 }]);

        Assert.Contains("\r\nthink,\"'=HYPERLINK(\"\"http://x\"\")\",1,0,0,0,0,0\r\n", csv, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_report_is_the_header_alone()
    {
        Assert.Equal("day,sessions,duration_ms,billable_ms,rated_ms,cost_micros\r\n", await WriteAsync(UsageGrouping.Day, []));
    }

    [Fact]
    public async Task The_columns_are_the_json_rows_field_names_in_order()
    {
        foreach (var (grouping, row) in new[]
        {
            (UsageGrouping.Day, new UsageRow { Day = new DateOnly(2026, 12, 1) }),
            (UsageGrouping.Key, new UsageRow { KeyId = "k" }),
            (UsageGrouping.Model, new UsageRow { Component = "think", Model = "m", SurchargeMicros = 0 }),
        })
        {
            var json = JsonSerializer.SerializeToElement(Report(grouping, [row]), AdminJson.Options.GetTypeInfo(typeof(UsageReport)));
            var names = json.GetProperty("rows")[0].EnumerateObject().Select(p => p.Name).ToArray();

            Assert.Equal(names, UsageCsvWriter.Columns(grouping));
            Assert.StartsWith(string.Join(',', names) + "\r\n", await WriteAsync(grouping, [row]), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_destination_stays_open_and_has_no_byte_order_mark()
    {
        using var stream = new MemoryStream();
        await UsageCsvWriter.WriteAsync(Report(UsageGrouping.Day, []), stream);

        Assert.True(stream.CanWrite);
        Assert.Equal((byte)'d', stream.ToArray()[0]);
    }

    private static async Task<string> WriteAsync(UsageGrouping grouping, IReadOnlyList<UsageRow> rows)
    {
        using var stream = new MemoryStream();
        await UsageCsvWriter.WriteAsync(Report(grouping, rows), stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static UsageReport Report(UsageGrouping grouping, IReadOnlyList<UsageRow> rows) => new()
    {
        Customer = "acme",
        Currency = "USD",
        From = December.From,
        To = December.To,
        GroupBy = grouping,
        Rows = rows,
        Total = default,
    };
}
