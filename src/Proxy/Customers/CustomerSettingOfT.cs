using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Proxy.Customers;

/// <summary>A per-customer setting whose values are <typeparamref name="T"/>: how they are written in JSON and in
/// Redis, and the one range rule for them, whoever sets them (the admin API or the configuration).</summary>
internal abstract class CustomerSetting<T> : CustomerSetting
    where T : struct
{
    protected CustomerSetting(string name, string? configKey)
        : base(name, configKey)
    {
    }

    /// <summary>What a JSON value must be, for the error message: <c>a whole number of milliseconds</c>.</summary>
    protected abstract string Expected { get; }

    /// <summary>The customer's override; null when it inherits. Stored text that cannot be read (written by a later
    /// version, say) inherits too rather than failing the customer's lookup.</summary>
    public T? Read(CustomerSettings settings) =>
        settings.StoredText(this) is { } text && TryParseStored(text, out var value) ? value : null;

    /// <summary>A copy of <paramref name="settings"/> with this override set, or removed when null.</summary>
    public CustomerSettings Set(CustomerSettings settings, T? value) =>
        settings.With(this, value is { } set ? Format(set) : null);

    /// <summary>The range rule: null when <paramref name="value"/> is allowed, otherwise what a value must be
    /// (<c>must be 0 (off) or between 1 second and 24 hours</c>).</summary>
    public abstract string? Violation(T value);

    /// <summary>The configuration's value against the same rule, in the configuration's own key and notation.</summary>
    public string? ConfigError(T configured) =>
        Violation(configured) is { } violation ? $"{ConfigKey ?? Name} {violation} (got {configured})." : null;

    public sealed override bool TryParse(JsonElement json, [NotNullWhen(true)] out string? storedText, [NotNullWhen(false)] out string? error)
    {
        storedText = null;
        if (!TryReadJson(json, out var value))
        {
            error = $"{Name} must be {Expected}, or null to inherit.";
            return false;
        }

        if (Violation(value) is { } violation)
        {
            error = $"{Name} {violation} (got {Format(value)}).";
            return false;
        }

        storedText = Format(value);
        error = null;
        return true;
    }

    public sealed override JsonNode? OverrideJson(CustomerSettings settings) => Read(settings) is { } value ? ToJson(value) : null;

    /// <summary>A value as admin JSON.</summary>
    public abstract JsonNode ToJson(T value);

    /// <summary>A value as stored text; also how the admin API's messages show it.</summary>
    protected abstract string Format(T value);

    protected abstract bool TryParseStored(string text, out T value);

    /// <summary>Reads a JSON value of the right type; the range is checked after.</summary>
    protected abstract bool TryReadJson(JsonElement json, out T value);
}
