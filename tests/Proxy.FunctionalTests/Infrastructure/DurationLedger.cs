using System.Globalization;

namespace Proxy.FunctionalTests.Infrastructure;

/// <summary>
/// Collects record-vs-emulator duration differences of every checked session into
/// <c>duration-drift.csv</c> beside the test binary, for the figures reported on the issue.
/// </summary>
internal static class DurationLedger
{
    private static readonly Lock Gate = new();

    public static string FilePath { get; } = Path.Combine(AppContext.BaseDirectory, "duration-drift.csv");

    public static void Reset() => File.Delete(FilePath);

    public static void Add(string session, double differenceMs)
    {
        lock (Gate)
        {
            File.AppendAllText(FilePath, $"{session},{differenceMs.ToString("F3", CultureInfo.InvariantCulture)}{Environment.NewLine}");
        }
    }
}
