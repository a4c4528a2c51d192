namespace Proxy.Customers;

/// <summary>
/// A customer's own settings: the values it overrides, each in its stored text (the form its Redis field holds), by
/// setting name. A setting not in here inherits its default. Typed values come from the setting that describes
/// them (<see cref="CustomerSetting{T}.Read"/>), so this bag holds settings of every feature without knowing them.
/// </summary>
internal sealed class CustomerSettings
{
    /// <summary>Every setting's field in the customer hash starts with this; stored data depends on it.</summary>
    public const string RedisFieldPrefix = "settings.";

    public static readonly CustomerSettings None = new(new Dictionary<string, string>(StringComparer.Ordinal));

    private readonly Dictionary<string, string> _stored;

    private CustomerSettings(Dictionary<string, string> stored)
    {
        _stored = stored;
    }

    /// <summary>The stored (name, text) pairs, for the store to write.</summary>
    public IEnumerable<KeyValuePair<string, string>> Stored => _stored;

    /// <summary>The settings among a customer hash's fields.</summary>
    public static CustomerSettings FromHash(IReadOnlyDictionary<string, string> fields)
    {
        var stored = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (field, value) in fields)
        {
            if (field.StartsWith(RedisFieldPrefix, StringComparison.Ordinal))
            {
                stored[field[RedisFieldPrefix.Length..]] = value;
            }
        }

        return stored.Count == 0 ? None : new CustomerSettings(stored);
    }

    public string? StoredText(CustomerSetting setting) => _stored.GetValueOrDefault(setting.Name);

    /// <summary>A copy with the setting's stored text replaced; null removes the override (inherit).</summary>
    public CustomerSettings With(CustomerSetting setting, string? storedText)
    {
        var stored = new Dictionary<string, string>(_stored, StringComparer.Ordinal);
        if (storedText is null)
        {
            stored.Remove(setting.Name);
        }
        else
        {
            stored[setting.Name] = storedText;
        }

        return new CustomerSettings(stored);
    }
}
