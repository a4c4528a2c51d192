using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Proxy.Storage;

namespace Proxy.Customers;

/// <summary>
/// Turns a presented proxy key into a customer, or into the reason it is refused. Redis is asked every time, so a
/// revocation or a disabled customer applies to the very next session. Accepted keys are remembered for
/// <see cref="StorageOptions.AuthCacheTtl"/>: under the fail_open policy, while Redis is unreachable, a key seen in
/// that time is still admitted from memory (a revocation made meanwhile cannot be seen).
/// </summary>
internal sealed class ProxyKeyAuthenticator : IProxyKeyAuthenticator
{
    private readonly CustomerStore _store;
    private readonly RedisConnectionState _connection;
    private readonly TimeProvider _time;
    private readonly StorageOptions _options;
    private const string KeyIdCachePrefix = "id:";

    private readonly ConcurrentDictionary<string, (KeyAuthenticationResult Result, long CachedAtMs)> _accepted = new(StringComparer.Ordinal);

    public ProxyKeyAuthenticator(CustomerStore store, RedisConnectionState connection, TimeProvider time, IOptions<StorageOptions> options)
    {
        _store = store;
        _connection = connection;
        _time = time;
        _options = options.Value;
    }

    /// <summary>Throws <see cref="StorageUnavailableException"/> when Redis cannot answer and memory may not.</summary>
    public async Task<KeyAuthenticationResult> AuthenticateAsync(string secret)
    {
        var hash = ProxyKeySecrets.Hash(secret);
        var hashHex = Convert.ToHexStringLower(hash);
        if (_connection.IsConnected)
        {
            try
            {
                var result = await LookUpAsync(hash, hashHex).ConfigureAwait(false);
                Remember(hashHex, result);
                return result;
            }
            catch (Exception ex) when (StorageFailures.IsRedisFailure(ex))
            {
                return FromMemory(hashHex, ex);
            }
        }

        return FromMemory(hashHex, null);
    }

    public async Task<KeyAuthenticationResult> AuthenticateKeyIdAsync(string keyId)
    {
        // Remembered beside the hashes (which are hex, so the prefix cannot collide with one), and forgotten with them.
        var cacheKey = KeyIdCachePrefix + keyId;
        if (_connection.IsConnected)
        {
            try
            {
                var key = await _store.GetKeyAsync(keyId).ConfigureAwait(false);
                var result = key is null
                    ? new KeyAuthenticationResult(KeyAuthenticationOutcome.UnknownKey)
                    : await CheckAsync(key).ConfigureAwait(false);
                Remember(cacheKey, result);
                return result;
            }
            catch (Exception ex) when (StorageFailures.IsRedisFailure(ex))
            {
                return FromMemory(cacheKey, ex);
            }
        }

        return FromMemory(cacheKey, null);
    }

    private async Task<KeyAuthenticationResult> LookUpAsync(byte[] hash, string hashHex)
    {
        var found = await _store.FindByHashAsync(hashHex).ConfigureAwait(false);

        // The lookup is by hash; the constant-time comparison is the final word, so a lookup quirk can never admit
        // a different secret.
        if (found is not { } record || !ProxyKeySecrets.HashEquals(hash, record.StoredHashHex))
        {
            return new KeyAuthenticationResult(KeyAuthenticationOutcome.UnknownKey);
        }

        return await CheckAsync(record.Key).ConfigureAwait(false);
    }

    private async Task<KeyAuthenticationResult> CheckAsync(ProxyKey key)
    {
        switch (key.StatusAt(NowMs()))
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

    /// <summary>Drops what this instance remembers of a key revoked elsewhere (told over the control channel), so a
    /// Redis outage right after the revocation cannot admit it from memory.</summary>
    public void Forget(string keyId)
    {
        foreach (var (hashHex, cached) in _accepted)
        {
            if (cached.Result.Key?.KeyId == keyId)
            {
                _accepted.TryRemove(hashHex, out _);
            }
        }
    }

    private void Remember(string cacheKey, KeyAuthenticationResult result)
    {
        if (result.Outcome == KeyAuthenticationOutcome.Accepted && _options.AuthCacheTtl > TimeSpan.Zero)
        {
            _accepted[cacheKey] = (result, NowMs());
        }
        else
        {
            _accepted.TryRemove(cacheKey, out _);
        }
    }

    private KeyAuthenticationResult FromMemory(string cacheKey, Exception? cause)
    {
        var now = NowMs();
        if (_options.IsFailOpen
            && _accepted.TryGetValue(cacheKey, out var cached)
            && now - cached.CachedAtMs <= (long)_options.AuthCacheTtl.TotalMilliseconds
            && cached.Result.Key!.StatusAt(now) == ProxyKeyStatus.Active)
        {
            return cached.Result with { FromMemory = true };
        }

        throw new StorageUnavailableException("The key cannot be checked: Redis is unreachable.", cause);
    }

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();
}
