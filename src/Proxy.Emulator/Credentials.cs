namespace Proxy.Emulator;

/// <summary>The <c>credential</c> values of a connection record: what the client authenticated with.</summary>
internal static class Credentials
{
    /// <summary>An API key (<c>Token</c>).</summary>
    public const string ApiKey = "api_key";

    /// <summary>A token from <c>POST /v1/auth/grant</c> (<c>Bearer</c>).</summary>
    public const string AccessToken = "access_token";
}
