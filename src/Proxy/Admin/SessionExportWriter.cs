using System.Text.Json;
using CsvHelper;
using Proxy.Metering;
using Proxy.Storage;

namespace Proxy.Admin;

/// <summary>
/// The per-session export of one customer and period, streamed as it is read: JSON lines (one record per line, the
/// admin API's record JSON) or CSV (RFC 4180, UTF-8, CRLF; one column per record field, in
/// <see cref="SessionRecordHash.FieldNames"/> order, list and object fields as JSON text, absent fields empty). Text
/// that starts like a formula (models and tags come from a voice app's Settings) gets a leading <c>'</c> in the CSV.
/// </summary>
internal static class SessionExportWriter
{
    public const string JsonLinesContentType = "application/x-ndjson; charset=utf-8";
    public const string CsvContentType = "text/csv; charset=utf-8";

    private static readonly CsvWriterOptions CsvOptions = CsvWriterOptions.Default with
    {
        Injection = CsvInjection.Escape,
        WriteByteOrderMark = false,
    };

    private static readonly byte[] NewLine = "\n"u8.ToArray();

    public static async Task<long> WriteJsonLinesAsync(IAsyncEnumerable<SessionRecord> records, Stream destination, CancellationToken cancellationToken)
    {
        var count = 0L;
        await foreach (var record in records.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            await JsonSerializer.SerializeAsync(destination, record, AdminJsonContext.Default.SessionRecord, cancellationToken).ConfigureAwait(false);
            await destination.WriteAsync(NewLine, cancellationToken).ConfigureAwait(false);
            count++;
        }

        return count;
    }

    public static async Task<long> WriteCsvAsync(IAsyncEnumerable<SessionRecord> records, Stream destination, CancellationToken cancellationToken)
    {
        var count = 0L;
        var csv = CsvWriter.Create(destination, CsvOptions, leaveOpen: true);
        await using (csv.ConfigureAwait(false))
        {
            csv.WriteHeader([.. SessionRecordHash.FieldNames]);
            await foreach (var record in records.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                var fields = SessionRecordHash.ToEntries(record).ToDictionary(e => (string)e.Name!, e => (string?)e.Value, StringComparer.Ordinal);
                foreach (var name in SessionRecordHash.FieldNames)
                {
                    csv.WriteField(fields.GetValueOrDefault(name));
                }

                await csv.EndRecordAsync(cancellationToken).ConfigureAwait(false);
                count++;
            }

            await csv.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        return count;
    }
}
