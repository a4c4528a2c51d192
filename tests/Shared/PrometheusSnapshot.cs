using System.Globalization;
using System.Text;

namespace Proxy.TestSupport;

/// <summary>One scrape of a Prometheus text exposition, parsed: every sample with its labels.</summary>
internal sealed class PrometheusSnapshot
{
    private readonly List<(string Name, Dictionary<string, string> Labels, double Value)> _samples;

    private PrometheusSnapshot(List<(string Name, Dictionary<string, string> Labels, double Value)> samples, string text)
    {
        _samples = samples;
        Text = text;
    }

    public string Text { get; }

    public IEnumerable<string> MetricNames => _samples.Select(s => s.Name).Distinct(StringComparer.Ordinal);

    public bool Has(string name) => _samples.Any(s => s.Name == name);

    /// <summary>The sum of a metric's samples whose labels include every one given (<c>"key=value"</c>); 0 if none.</summary>
    public double Sum(string name, params string[] labels)
    {
        var wanted = labels.Select(l => l.Split('=', 2)).ToArray();
        return _samples
            .Where(s => s.Name == name && wanted.All(w => s.Labels.TryGetValue(w[0], out var v) && v == w[1]))
            .Sum(s => s.Value);
    }

    /// <summary>The label values a metric's samples carry for one label.</summary>
    public IReadOnlySet<string> LabelValues(string name, string label) =>
        _samples.Where(s => s.Name == name && s.Labels.ContainsKey(label)).Select(s => s.Labels[label]).ToHashSet(StringComparer.Ordinal);

    public static PrometheusSnapshot Parse(string text)
    {
        var samples = new List<(string, Dictionary<string, string>, double)>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            var i = 0;
            while (i < line.Length && line[i] != '{' && line[i] != ' ')
            {
                i++;
            }

            var name = line[..i];
            if (i < line.Length && line[i] == '{')
            {
                i = ParseLabels(line, i + 1, labels);
            }

            var rest = line[i..].Trim().Split(' ');
            samples.Add((name, labels, ParseValue(rest[0])));
        }

        return new PrometheusSnapshot(samples, text);
    }

    private static int ParseLabels(string line, int i, Dictionary<string, string> labels)
    {
        while (line[i] != '}')
        {
            var equals = line.IndexOf('=', i);
            var key = line[i..equals].Trim(',', ' ');
            var value = new StringBuilder();
            i = equals + 2;
            for (; line[i] != '"'; i++)
            {
                if (line[i] == '\\')
                {
                    i++;
                    value.Append(line[i] == 'n' ? '\n' : line[i]);
                }
                else
                {
                    value.Append(line[i]);
                }
            }

            labels[key] = value.ToString();
            i++;
            if (line[i] == ',')
            {
                i++;
            }
        }

        return i + 1;
    }

    private static double ParseValue(string text) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.Parse(text, CultureInfo.InvariantCulture),
    };
}
