using System.Globalization;

namespace Proxy.Benchmarks.Load;

/// <summary>One read of a proxy's <c>/metrics</c> (Prometheus text format), for the few counters a run reports.</summary>
internal sealed class PrometheusScrape
{
    private readonly string[] _lines;

    private PrometheusScrape(string[] lines) => _lines = lines;

    public static async Task<PrometheusScrape> ReadAsync(ProxyServer proxy)
    {
        var text = await proxy.Admin.GetStringAsync(new Uri("/metrics", UriKind.Relative)).ConfigureAwait(false);
        return new PrometheusScrape(text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    /// <summary>The sum of every series of <paramref name="metric"/> that carries all of <paramref name="labels"/>
    /// (each as <c>name="value"</c>); 0 when there is none.</summary>
    public double Sum(string metric, params string[] labels)
    {
        var sum = 0.0;
        foreach (var line in _lines)
        {
            if (line.StartsWith('#') || !line.StartsWith(metric, StringComparison.Ordinal)
                || line.Length <= metric.Length || line[metric.Length] is not ('{' or ' '))
            {
                continue;
            }

            // "name{labels} value [timestamp]"
            var seriesEnd = line[metric.Length] == '{' ? line.IndexOf('}', StringComparison.Ordinal) + 1 : metric.Length;
            var series = line[..seriesEnd];
            var value = line[seriesEnd..].Trim().Split(' ')[0];
            if (labels.All(label => series.Contains(label, StringComparison.Ordinal))
                && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                sum += number;
            }
        }

        return sum;
    }
}
