using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Proxy.Customers;

/// <summary>A duration, in whole milliseconds in JSON and in Redis: 0 with its own meaning (off, no warning), else
/// between <c>min</c> and <c>max</c>.</summary>
internal sealed class MillisecondsSetting : CustomerSetting<TimeSpan>
{
    // Millisecond counts a TimeSpan can hold; beyond them a value is refused, not an overflow.
    private static readonly long MaxMilliseconds = TimeSpan.MaxValue.Ticks / TimeSpan.TicksPerMillisecond;

    private readonly TimeSpan _min;
    private readonly TimeSpan _max;
    private readonly string _requirement;

    /// <param name="zeroMeans">What 0 means, for messages: <c>off</c>, <c>no warning</c>.</param>
    public MillisecondsSetting(string name, string? configKey, string zeroMeans, TimeSpan min, TimeSpan max)
        : base(name, configKey)
    {
        _min = min;
        _max = max;
        _requirement = max == TimeSpan.MaxValue
            ? $"must be 0 ({zeroMeans}) or more"
            : $"must be 0 ({zeroMeans}) or between {Spoken(min)} and {Spoken(max)}";
    }

    protected override string Expected => "a whole number of milliseconds";

    public override string? Violation(TimeSpan value) =>
        value == TimeSpan.Zero || (value >= _min && value <= _max) ? null : _requirement;

    public override JsonNode ToJson(TimeSpan value) => JsonValue.Create(Milliseconds(value));

    protected override string Format(TimeSpan value) => Milliseconds(value).ToString(CultureInfo.InvariantCulture);

    protected override bool TryParseStored(string text, out TimeSpan value)
    {
        value = default;
        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) && TryFromMilliseconds(ms, out value);
    }

    protected override bool TryReadJson(JsonElement json, out TimeSpan value)
    {
        value = default;
        return json.ValueKind == JsonValueKind.Number && json.TryGetInt64(out var ms) && TryFromMilliseconds(ms, out value);
    }

    private static long Milliseconds(TimeSpan value) => value.Ticks / TimeSpan.TicksPerMillisecond;

    private static bool TryFromMilliseconds(long ms, out TimeSpan value)
    {
        var fits = ms >= -MaxMilliseconds && ms <= MaxMilliseconds;
        value = fits ? TimeSpan.FromTicks(ms * TimeSpan.TicksPerMillisecond) : default;
        return fits;
    }

    private static string Spoken(TimeSpan value) => value switch
    {
        { TotalHours: 1 } => "1 hour",
        { Ticks: var t } when t % TimeSpan.TicksPerHour == 0 => $"{value.TotalHours:0} hours",
        { TotalMinutes: 1 } => "1 minute",
        { Ticks: var t } when t % TimeSpan.TicksPerMinute == 0 => $"{value.TotalMinutes:0} minutes",
        { TotalSeconds: 1 } => "1 second",
        { Ticks: var t } when t % TimeSpan.TicksPerSecond == 0 => $"{value.TotalSeconds:0} seconds",
        _ => $"{value.TotalMilliseconds} ms",
    };
}
