namespace Proxy.Customers;

/// <summary>Turns a presented proxy key into a customer, or into the reason it is refused.</summary>
internal sealed class ProxyKeyAuthenticator
{
    private readonly CustomerStore _store;
    private readonly TimeProvider _time;

    public ProxyKeyAuthenticator(CustomerStore store, TimeProvider time)
    {
        _store = store;
        _time = time;
    }

    public async Task<KeyAuthenticationResult> AuthenticateAsync(string secret)
    {
        var hash = ProxyKeySecrets.Hash(secret);
        var found = await _store.FindByHashAsync(Convert.ToHexStringLower(hash)).ConfigureAwait(false);

        // The lookup is by hash; the constant-time comparison is the final word, so a lookup quirk can never admit
        // a different secret.
        if (found is not { } record || !ProxyKeySecrets.HashEquals(hash, record.StoredHashHex))
        {
            return new KeyAuthenticationResult(KeyAuthenticationOutcome.UnknownKey);
        }

        var key = record.Key;
        switch (key.StatusAt(_time.GetUtcNow().ToUnixTimeMilliseconds()))
        {
            case ProxyKeyStatus.Revoked:
                return new KeyAuthenticationResult(KeyAuthenticationOutcome.RevokedKey, key);
            case ProxyKeyStatus.Expired:
                return new KeyAuthenticationResult(KeyAuthenticationOutcome.ExpiredKey, key);
        }

        var (customer, protectedUpstreamKey) = await _store.GetWithUpstreamKeyAsync(key.CustomerId).ConfigureAwait(false);
        if (customer is null)
        {
            return new KeyAuthenticationResult(KeyAuthenticationOutcome.UnknownCustomer, key);
        }

        return customer.Disabled
            ? new KeyAuthenticationResult(KeyAuthenticationOutcome.CustomerDisabled, key, customer)
            : new KeyAuthenticationResult(KeyAuthenticationOutcome.Accepted, key, customer, protectedUpstreamKey);
    }
}
