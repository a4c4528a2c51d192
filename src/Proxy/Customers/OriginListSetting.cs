using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Proxy.Customers;

/// <summary>A list of browser origins (<see cref="AllowedOrigins"/>): a JSON array of strings in the admin API,
/// space-separated serialized origins in Redis (an origin holds no space).</summary>
internal sealed class OriginListSetting : CustomerSetting<AllowedOrigins>
{
    /// <summary>More would make every upgrade's check a scan of a long list, and says the customer wants no check.</summary>
    public const int MaxOrigins = 100;

    public OriginListSetting(string name)
        : base(name, configKey: null)
    {
    }

    protected override string Expected => "a list of origins scheme://host[:port] (http or https, no path), such as \"https://app.example.com\"";

    // Every entry is serialized when the JSON is read, so what is left to check is how many there are.
    public override string? Violation(AllowedOrigins value) =>
        value.Origins.Length > MaxOrigins ? $"must hold at most {MaxOrigins} origins" : null;

    public override JsonNode ToJson(AllowedOrigins value) => new JsonArray([.. value.Origins.Select(o => (JsonNode?)JsonValue.Create(o))]);

    protected override string Format(AllowedOrigins value) => string.Join(' ', value.Origins);

    protected override bool TryParseStored(string text, out AllowedOrigins value)
    {
        value = new AllowedOrigins([.. text.Split(' ', StringSplitOptions.RemoveEmptyEntries)]);
        return true;
    }

    protected override bool TryReadJson(JsonElement json, out AllowedOrigins value)
    {
        value = AllowedOrigins.Any;
        if (json.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        var origins = ImmutableArray.CreateBuilder<string>();
        foreach (var entry in json.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.String || !AllowedOrigins.TrySerialize(entry.GetString()!, out var origin))
            {
                return false;
            }

            if (!origins.Contains(origin))
            {
                origins.Add(origin);
            }
        }

        value = new AllowedOrigins(origins.ToImmutable());
        return true;
    }
}
