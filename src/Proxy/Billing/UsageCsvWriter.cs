using System.Globalization;
using CsvHelper;

namespace Proxy.Billing;

/// <summary>
/// A usage report as CSV (RFC 4180, UTF-8, CRLF): a header row with the columns of the report's rows (the JSON rows'
/// field names), then one record per row. The total is not a row: a spreadsheet sums the columns itself, and a total
/// row would be counted twice by anyone who does. Text that starts like a formula (a model name is whatever a voice
/// app's Settings message said) is prefixed with <c>'</c> so a spreadsheet shows it as text instead of running it.
/// </summary>
internal static class UsageCsvWriter
{
    public const string ContentType = "text/csv; charset=utf-8";

    private static readonly CsvWriterOptions Options = CsvWriterOptions.Default with
    {
        Injection = CsvInjection.Escape,
        WriteByteOrderMark = false,
    };

    private static readonly string[] Sums =
        [UsageField.Sessions, UsageField.DurationMs, UsageField.BillableMs, UsageField.RatedMs, UsageField.CostMicros];

    public static string[] Columns(UsageGrouping grouping) => grouping switch
    {
        UsageGrouping.Day => ["day", .. Sums],
        UsageGrouping.Key => ["key_id", .. Sums],
        UsageGrouping.Model => ["component", "model", .. Sums, UsageField.SurchargeMicros],
        _ => throw new ArgumentOutOfRangeException(nameof(grouping), grouping, null),
    };

    /// <summary>Writes the report to <paramref name="destination"/>, which stays open. Asynchronous throughout: an
    /// HTTP response body refuses synchronous writes.</summary>
    public static async Task WriteAsync(UsageReport report, Stream destination, CancellationToken cancellationToken = default)
    {
        var csv = CsvWriter.Create(destination, Options, leaveOpen: true);
        await using (csv.ConfigureAwait(false))
        {
            // A whole record, ended by the writer; it stays in the buffer, so nothing is written synchronously.
            csv.WriteHeader(Columns(report.GroupBy));
            foreach (var row in report.Rows)
            {
                switch (report.GroupBy)
                {
                    case UsageGrouping.Day:
                        csv.WriteField(row.Day!.Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                        break;
                    case UsageGrouping.Key:
                        csv.WriteField(row.KeyId);
                        break;
                    default:
                        csv.WriteField(row.Component);
                        csv.WriteField(row.Model);
                        break;
                }

                csv.WriteField(row.Sessions);
                csv.WriteField(row.DurationMs);
                csv.WriteField(row.BillableMs);
                csv.WriteField(row.RatedMs);
                csv.WriteField(row.CostMicros);
                if (report.GroupBy == UsageGrouping.Model)
                {
                    csv.WriteField(row.SurchargeMicros ?? 0);
                }

                await csv.EndRecordAsync(cancellationToken).ConfigureAwait(false);
            }

            await csv.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
