using System.Globalization;

namespace Proxy.Benchmarks.Load;

/// <summary>
/// Calls per command from <c>INFO commandstats</c>, summed over the masters at one instant. Commands a script runs
/// (<c>redis.call</c>) are counted under their own names as well as the script's <c>EVAL</c>/<c>EVALSHA</c>.
/// </summary>
internal sealed class RedisCommandStats
{
    private readonly Dictionary<string, long> _calls;

    private RedisCommandStats(Dictionary<string, long> calls) => _calls = calls;

    public static RedisCommandStats Empty { get; } = new(new Dictionary<string, long>(StringComparer.Ordinal));

    public long Total => _calls.Values.Sum();

    /// <summary>Every command with calls, most called first.</summary>
    public IEnumerable<string> Commands => _calls.Where(c => c.Value != 0).OrderByDescending(c => c.Value).Select(c => c.Key);

    public long this[string command] => _calls.TryGetValue(command, out var calls) ? calls : 0;

    public static RedisCommandStats Of(string command, long calls) =>
        new(new Dictionary<string, long>(StringComparer.Ordinal) { [command] = calls });

    /// <summary>Parses one node's <c>INFO commandstats</c>: lines <c>cmdstat_get:calls=5,usec=…</c>.</summary>
    public static RedisCommandStats Parse(string info)
    {
        var calls = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in info.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            const string Prefix = "cmdstat_";
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (!line.StartsWith(Prefix, StringComparison.Ordinal) || colon < 0)
            {
                continue;
            }

            foreach (var field in line[(colon + 1)..].Split(','))
            {
                if (field.StartsWith("calls=", StringComparison.Ordinal)
                    && long.TryParse(field.AsSpan("calls=".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var count))
                {
                    calls[line[Prefix.Length..colon]] = count;
                }
            }
        }

        return new RedisCommandStats(calls);
    }

    public RedisCommandStats Plus(RedisCommandStats other) => Combine(other, +1);

    public RedisCommandStats Minus(RedisCommandStats other) => Combine(other, -1);

    private RedisCommandStats Combine(RedisCommandStats other, int sign)
    {
        var calls = new Dictionary<string, long>(_calls, StringComparer.Ordinal);
        foreach (var (command, count) in other._calls)
        {
            calls[command] = (calls.TryGetValue(command, out var mine) ? mine : 0) + (sign * count);
        }

        return new RedisCommandStats(calls);
    }
}
