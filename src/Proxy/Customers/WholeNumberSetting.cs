using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Proxy.Customers;

/// <summary>A whole number, 0 (with its own meaning, e.g. unlimited, no budget) or more, of <typeparamref name="T"/>
/// (a count fits an <see cref="int"/>; money is a <see cref="long"/> of micro-units, never a fraction).</summary>
internal sealed class WholeNumberSetting<T> : CustomerSetting<T>
    where T : struct, IBinaryInteger<T>, IMinMaxValue<T>
{
    private readonly string _requirement;

    /// <param name="zeroMeans">What 0 means, for messages: <c>unlimited</c>, <c>no budget</c>.</param>
    /// <param name="unit">What is counted, for messages (<c>micro-units</c>); null for a plain count.</param>
    public WholeNumberSetting(string name, string? configKey, string zeroMeans, string? unit = null)
        : base(name, configKey)
    {
        _requirement = unit is null ? $"must be 0 ({zeroMeans}) or more" : $"must be 0 ({zeroMeans}) or more {unit}";
        Expected = unit is null ? "a whole number" : $"a whole number of {unit}";
    }

    protected override string Expected { get; }

    public override string? Violation(T value) => T.IsNegative(value) ? _requirement : null;

    // Every T here fits a long, and JSON writes both the same.
    public override JsonNode ToJson(T value) => JsonValue.Create(long.CreateChecked(value));

    protected override string Format(T value) => value.ToString(null, CultureInfo.InvariantCulture);

    protected override bool TryParseStored(string text, out T value) =>
        T.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);

    protected override bool TryReadJson(JsonElement json, out T value)
    {
        value = T.Zero;
        if (json.ValueKind != JsonValueKind.Number || !json.TryGetInt64(out var number)
            || number < long.CreateChecked(T.MinValue) || number > long.CreateChecked(T.MaxValue))
        {
            return false;
        }

        value = T.CreateChecked(number);
        return true;
    }
}
