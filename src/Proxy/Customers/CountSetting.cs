using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Proxy.Customers;

/// <summary>A whole number, 0 (with its own meaning, e.g. unlimited) or more.</summary>
internal sealed class CountSetting : CustomerSetting<int>
{
    private readonly string _requirement;

    /// <param name="zeroMeans">What 0 means, for messages: <c>unlimited</c>.</param>
    public CountSetting(string name, string? configKey, string zeroMeans)
        : base(name, configKey)
    {
        _requirement = $"must be 0 ({zeroMeans}) or more";
    }

    protected override string Expected => "a whole number";

    public override string? Violation(int value) => value < 0 ? _requirement : null;

    public override JsonNode ToJson(int value) => JsonValue.Create(value);

    protected override string Format(int value) => value.ToString(CultureInfo.InvariantCulture);

    protected override bool TryParseStored(string text, out int value) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);

    protected override bool TryReadJson(JsonElement json, out int value)
    {
        value = 0;
        return json.ValueKind == JsonValueKind.Number && json.TryGetInt32(out value);
    }
}
