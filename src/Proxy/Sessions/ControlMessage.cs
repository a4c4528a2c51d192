namespace Proxy.Sessions;

/// <summary>An order sent to every instance over Redis pub/sub; the instance holding the sessions acts on it.</summary>
internal sealed record ControlMessage
{
    public const string SettingsChanged = "settings_changed";
    public const string CloseSession = "close_session";
    public const string CloseCustomer = "close_customer";
    public const string CloseKey = "close_key";
    public const string CustomerDisabled = "customer_disabled";

    public required string Kind { get; init; }

    public string? CustomerId { get; init; }

    public string? SessionId { get; init; }

    public string? KeyId { get; init; }
}
