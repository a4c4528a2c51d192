using System.Globalization;
using System.Text;

namespace Proxy.Benchmarks.Precision;

/// <summary>The result table: per proxy variant and scenario, the records' errors against the wire.</summary>
internal static class PrecisionTable
{
    public const double ToleranceMs = 2.0;

    public static string Render(IReadOnlyList<PrecisionSample> samples)
    {
        var text = new StringBuilder();
        text.AppendLine("| proxy | scenario | sessions | matched | open max \\|err\\| | open mean | close max \\|err\\| | close mean | duration max \\|err\\| | duration mean | within 2 ms |");
        text.AppendLine("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var group in samples.GroupBy(s => (s.Variant, s.Scenario)))
        {
            var matched = group.Where(s => s.OpenErrorMs is not null && s.DurationErrorMs is not null).ToList();
            var within = matched.Count(s => Math.Abs(s.OpenErrorMs!.Value) <= ToleranceMs && Math.Abs(s.DurationErrorMs!.Value) <= ToleranceMs);
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {group.Key.Variant} | {group.Key.Scenario} | {group.Count()} | {matched.Count} | {MaxAbs(matched, s => s.OpenErrorMs)} | {Mean(matched, s => s.OpenErrorMs)} | {MaxAbs(matched, s => s.CloseErrorMs)} | {Mean(matched, s => s.CloseErrorMs)} | {MaxAbs(matched, s => s.DurationErrorMs)} | {Mean(matched, s => s.DurationErrorMs)} | {within}/{group.Count()} |"));
        }

        return text.ToString();
    }

    private static string MaxAbs(List<PrecisionSample> samples, Func<PrecisionSample, double?> value)
    {
        var values = samples.Select(value).OfType<double>().ToList();
        return values.Count == 0 ? "–" : values.Max(Math.Abs).ToString("0.00", CultureInfo.InvariantCulture);
    }

    private static string Mean(List<PrecisionSample> samples, Func<PrecisionSample, double?> value)
    {
        var values = samples.Select(value).OfType<double>().ToList();
        return values.Count == 0 ? "–" : values.Average().ToString("+0.00;−0.00;0.00", CultureInfo.InvariantCulture);
    }
}
