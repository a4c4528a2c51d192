using System.Text.Json;
using System.Text.Json.Nodes;

namespace Proxy.Customers;

/// <summary>One of a few named values (<typeparamref name="TChoice"/>), written by name in JSON and in Redis.</summary>
internal sealed class ChoiceSetting<TChoice> : CustomerSetting<TChoice>
    where TChoice : struct, Enum
{
    private readonly string _names;
    private readonly TryParseName _parse;
    private readonly Func<TChoice, string> _name;

    /// <param name="names">The names, for messages: <c>audio, messages or any</c>.</param>
    /// <param name="parse">Name to value, the same parser the configuration's value goes through.</param>
    /// <param name="nameOf">Value to its name.</param>
    public ChoiceSetting(string name, string? configKey, string names, TryParseName parse, Func<TChoice, string> nameOf)
        : base(name, configKey)
    {
        _names = names;
        _parse = parse;
        _name = nameOf;
    }

    public delegate bool TryParseName(string? text, out TChoice value);

    protected override string Expected => _names;

    // Every named value is allowed; an unknown name is refused when it is read.
    public override string? Violation(TChoice value) => null;

    public override JsonNode ToJson(TChoice value) => JsonValue.Create(_name(value));

    protected override string Format(TChoice value) => _name(value);

    protected override bool TryParseStored(string text, out TChoice value) => _parse(text, out value);

    protected override bool TryReadJson(JsonElement json, out TChoice value)
    {
        value = default;
        return json.ValueKind == JsonValueKind.String && _parse(json.GetString(), out value);
    }
}
