namespace Proxy.Customers;

/// <summary>A change to one optional field of a proxy key: none, set to a value, or removed (Value null).</summary>
internal readonly record struct KeyFieldChange(bool Changed, long? Value)
{
    public static KeyFieldChange None => default;

    public static KeyFieldChange To(long? value) => new(true, value);
}
