using System.Globalization;

namespace Proxy.FunctionalTests.Infrastructure;

/// <summary>
/// CSV files beside the test binary where the functional tests leave what they measured, for the figures reported
/// on the issues: record-vs-emulator duration differences, and configured-vs-actual forced-close times.
/// </summary>
internal static class MeasurementLedger
{
    public const string DurationDriftFile = "duration-drift.csv";
    public const string ClosePrecisionFile = "close-precision.csv";
    public const string FaultOutcomesFile = "fault-outcomes.csv";

    private static readonly Lock Gate = new();

    public static void Reset()
    {
        File.Delete(PathOf(DurationDriftFile));
        File.Delete(PathOf(ClosePrecisionFile));
        File.Delete(PathOf(FaultOutcomesFile));
    }

    /// <summary>Record duration minus the emulator's, in ms.</summary>
    public static void DurationDrift(string session, double differenceMs) =>
        Append(DurationDriftFile, session, differenceMs.ToString("F3", CultureInfo.InvariantCulture));

    /// <summary>A forced close: what was configured and when the client actually got the Close, in ms.</summary>
    public static void ClosePrecision(string kind, double configuredMs, double actualMs) =>
        Append(ClosePrecisionFile, kind, configuredMs.ToString("F0", CultureInfo.InvariantCulture), actualMs.ToString("F1", CultureInfo.InvariantCulture));

    /// <summary>A fault test's books: sessions run, final records expected, found (closed, distinct sessions),
    /// duplicated (more than one record or usage count for one session) and left open.</summary>
    public static void FaultOutcome(string test, int sessions, IReadOnlyCollection<System.Text.Json.JsonElement> records)
    {
        var closed = records.Where(r => r.GetProperty("status").GetString() == "closed").ToList();
        var distinct = closed.Select(r => r.GetProperty("session_id").GetString()).Distinct().Count();
        var byUpstream = closed.Where(r => r.TryGetProperty("deepgram_request_id", out var id) && id.ValueKind == System.Text.Json.JsonValueKind.String)
            .GroupBy(r => r.GetProperty("deepgram_request_id").GetString()).Sum(g => g.Count() - 1);
        Append(FaultOutcomesFile, test, Number(sessions), Number(sessions), Number(distinct), Number((closed.Count - distinct) + byUpstream),
            Number(records.Count(r => r.GetProperty("status").GetString() != "closed")));
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string PathOf(string file) => Path.Combine(AppContext.BaseDirectory, file);

    private static void Append(string file, params string[] columns)
    {
        lock (Gate)
        {
            File.AppendAllText(PathOf(file), string.Join(',', columns) + Environment.NewLine);
        }
    }
}
