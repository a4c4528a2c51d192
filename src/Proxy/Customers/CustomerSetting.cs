using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Proxy.Customers;

/// <summary>
/// One per-customer setting, described once: its name in the admin API's JSON (and, prefixed, its field in the
/// customer's Redis hash), the configuration key of the default it overrides, the values it takes and the range they
/// must be in. The admin API parses and renders it, the store keeps it and the feature that owns it reads it, all
/// from this one description; the configuration's validator applies the same range (<see cref="CustomerSetting{T}"/>).
/// </summary>
internal abstract class CustomerSetting
{
    protected CustomerSetting(string name, string? configKey)
    {
        Name = name;
        ConfigKey = configKey;
        RedisField = CustomerSettings.RedisFieldPrefix + name;
    }

    /// <summary>The name in the admin API's JSON, e.g. <c>idle_timeout_ms</c>.</summary>
    public string Name { get; }

    /// <summary>The configuration key of the default this setting overrides; null when that default is not
    /// configurable.</summary>
    public string? ConfigKey { get; }

    /// <summary>The field of the customer hash that stores it.</summary>
    public string RedisField { get; }

    /// <summary>An admin API value (not null: null means inherit) as the text to store, or why it is refused.</summary>
    public abstract bool TryParse(JsonElement json, [NotNullWhen(true)] out string? storedText, [NotNullWhen(false)] out string? error);

    /// <summary>The customer's override as admin JSON; null when it inherits (or the stored text is unreadable).</summary>
    public abstract JsonNode? OverrideJson(CustomerSettings settings);
}
