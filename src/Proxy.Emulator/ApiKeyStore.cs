using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Proxy.Emulator;

/// <summary>
/// The project's API keys, in memory: the configured ones (scopes <c>admin</c>, id = the first 32 hex digits of the
/// key's SHA-256, so it is stable across restarts and computable by a test) and those created through the keys API
/// (a random UUID id and a random 40-hex-digit secret, as Deepgram's look). Only digests are kept: the secret of a
/// created key exists once, in the create response.
/// </summary>
internal sealed class ApiKeyStore
{
    private const int SecretHexDigits = 40;

    private readonly ConcurrentDictionary<string, EmulatorKey> _byId = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, EmulatorKey> _bySha256 = new(StringComparer.Ordinal);
    private readonly Lock _writeGate = new();

    public ApiKeyStore(IOptions<EmulatorOptions> options, TimeProvider time)
    {
        var now = time.GetUtcNow();
        for (var i = 0; i < options.Value.ApiKeys.Count; i++)
        {
            var sha256 = KeyFingerprint.Sha256Hex(options.Value.ApiKeys[i]);
            Add(new EmulatorKey(ConfiguredKeyId(sha256), sha256, $"Emulator:ApiKeys:{i}", ["admin"], [], now, ExpiresAt: null));
        }
    }

    /// <summary>The id of a configured key, from its digest.</summary>
    public static string ConfiguredKeyId(string sha256Hex) => sha256Hex[..32];

    /// <summary>Creates a key; returns it with its secret, which the store does not keep.</summary>
    public (EmulatorKey Key, string Secret) Create(string comment, IReadOnlyList<string> scopes, IReadOnlyList<string> tags, DateTimeOffset created, DateTimeOffset? expiresAt)
    {
        var secret = RandomNumberGenerator.GetHexString(SecretHexDigits, lowercase: true);
        var key = new EmulatorKey(Guid.NewGuid().ToString(), KeyFingerprint.Sha256Hex(secret), comment, scopes, tags, created, expiresAt);
        Add(key);
        return (key, secret);
    }

    /// <summary>The key with this digest, or null. A lookup by digest tells a timing observer nothing about a key.</summary>
    public EmulatorKey? FindBySha256(string sha256Hex) => _bySha256.GetValueOrDefault(sha256Hex);

    public EmulatorKey? FindById(string apiKeyId) => _byId.GetValueOrDefault(apiKeyId);

    /// <summary>Every key, oldest first.</summary>
    public IReadOnlyList<EmulatorKey> List() => [.. _byId.Values.OrderBy(k => k.Created).ThenBy(k => k.ApiKeyId, StringComparer.Ordinal)];

    public bool Delete(string apiKeyId)
    {
        lock (_writeGate)
        {
            if (!_byId.TryRemove(apiKeyId, out var key))
            {
                return false;
            }

            _bySha256.TryRemove(key.Sha256, out _);
            return true;
        }
    }

    private void Add(EmulatorKey key)
    {
        lock (_writeGate)
        {
            // A key configured twice is one key.
            if (_bySha256.TryAdd(key.Sha256, key))
            {
                _byId[key.ApiKeyId] = key;
            }
        }
    }
}
