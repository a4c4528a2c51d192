namespace Proxy.Customers;

/// <summary>Checks a proxy key a client presented (the admission's credential step depends on this, not on Redis).</summary>
internal interface IProxyKeyAuthenticator
{
    /// <summary>Throws <see cref="Storage.StorageUnavailableException"/> when Redis cannot answer and memory may not.</summary>
    Task<KeyAuthenticationResult> AuthenticateAsync(string secret);

    /// <summary>Checks the key an access token names (by id: the token carries no secret), exactly as a presented
    /// key is checked, so revoking or expiring the key ends its tokens. Throws as above.</summary>
    Task<KeyAuthenticationResult> AuthenticateKeyIdAsync(string keyId);
}
