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

    private static readonly Lock Gate = new();

    public static void Reset()
    {
        File.Delete(PathOf(DurationDriftFile));
        File.Delete(PathOf(ClosePrecisionFile));
    }

    /// <summary>Record duration minus the emulator's, in ms.</summary>
    public static void DurationDrift(string session, double differenceMs) =>
        Append(DurationDriftFile, session, differenceMs.ToString("F3", CultureInfo.InvariantCulture));

    /// <summary>A forced close: what was configured and when the client actually got the Close, in ms.</summary>
    public static void ClosePrecision(string kind, double configuredMs, double actualMs) =>
        Append(ClosePrecisionFile, kind, configuredMs.ToString("F0", CultureInfo.InvariantCulture), actualMs.ToString("F1", CultureInfo.InvariantCulture));

    private static string PathOf(string file) => Path.Combine(AppContext.BaseDirectory, file);

    private static void Append(string file, params string[] columns)
    {
        lock (Gate)
        {
            File.AppendAllText(PathOf(file), string.Join(',', columns) + Environment.NewLine);
        }
    }
}
