using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Proxy.Customers;

/// <summary>An amount of money in micro-units of the customer's currency: a whole number, 0 (with its own meaning,
/// e.g. no budget) or more. Never a fraction: money is never floating point.</summary>
internal sealed class MicrosSetting : CustomerSetting<long>
{
    private readonly string _requirement;

    /// <param name="zeroMeans">What 0 means, for messages: <c>no budget</c>.</param>
    public MicrosSetting(string name, string? configKey, string zeroMeans)
        : base(name, configKey)
    {
        _requirement = $"must be 0 ({zeroMeans}) or more micro-units";
    }

    protected override string Expected => "a whole number of micro-units";

    public override string? Violation(long value) => value < 0 ? _requirement : null;

    public override JsonNode ToJson(long value) => JsonValue.Create(value);

    protected override string Format(long value) => value.ToString(CultureInfo.InvariantCulture);

    protected override bool TryParseStored(string text, out long value) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);

    protected override bool TryReadJson(JsonElement json, out long value)
    {
        value = 0;
        return json.ValueKind == JsonValueKind.Number && json.TryGetInt64(out value);
    }
}
