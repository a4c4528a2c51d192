namespace Proxy.Emulator;

/// <summary>The <c>code</c> values of the Error messages the emulator sends.</summary>
internal static class ErrorCodes
{
    public const string NonSettingsMessageBeforeSettings = "NON_SETTINGS_MESSAGE_BEFORE_SETTINGS";
    public const string SettingsAlreadyApplied = "SETTINGS_ALREADY_APPLIED";
    public const string InvalidMessage = "INVALID_MESSAGE";
    public const string ClientMessageTimeout = "CLIENT_MESSAGE_TIMEOUT";
}
