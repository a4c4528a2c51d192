namespace Proxy.Emulator;

/// <summary>The <c>auth_method</c> values of a connection record.</summary>
internal static class AuthMethods
{
    public const string Header = "header";
    public const string Subprotocol = "subprotocol";
}
