namespace Proxy.Metering;

/// <summary>The record's <c>credential</c>: what the client opened the session with.</summary>
internal static class CredentialKinds
{
    /// <summary>A proxy key (<c>Token</c> header or <c>token</c> subprotocol).</summary>
    public const string Key = "key";

    /// <summary>A short-lived access token minted by that key (<c>Bearer</c> header or <c>bearer</c> subprotocol).</summary>
    public const string Token = "token";
}
