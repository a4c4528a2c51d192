using Proxy.Tunnel;

namespace Proxy.Gateway;

internal sealed record ClientCredentialParseResult(ClientCredentials? Credentials, string? Error)
{
    public static ClientCredentialParseResult Success(ClientCredentials credentials) => new(credentials, null);

    public static ClientCredentialParseResult Fail(string error) => new(null, error);
}
