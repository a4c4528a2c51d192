using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Proxy.Customers;

/// <summary>
/// Encrypts customers' Deepgram keys at rest with AES-256-GCM. The customer id is authenticated data, so a ciphertext
/// copied onto another customer does not decrypt. Stored form: <c>v1:&lt;master key id&gt;:base64(nonce ‖ tag ‖
/// ciphertext)</c>, so the master key can rotate (<see cref="MasterKeyRing"/>). The first stored form, plain
/// <c>base64(nonce ‖ tag ‖ ciphertext)</c>, names no key: it is read as key id 0 and tried with the current key, then
/// the previous ones (base64 has no ':', so the two forms cannot be confused).
/// </summary>
internal sealed class UpstreamKeyProtector
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private const string FormatPrefix = "v1:";

    private readonly MasterKeyRing _keys;

    public UpstreamKeyProtector(IOptions<SecretsOptions> options)
    {
        _keys = new MasterKeyRing(options);
    }

    public bool UsesDevelopmentKey => _keys.UsesDevelopmentKey;

    /// <summary>The id new ciphertexts carry.</summary>
    public string CurrentMasterKeyId => _keys.Current.Id;

    public static bool TryDecodeMasterKey(string? base64, out byte[] key) => MasterKeyRing.TryDecode(base64, out key);

    public string Protect(string customerId, string apiKey)
    {
        var plaintext = Encoding.UTF8.GetBytes(apiKey);
        var output = new byte[NonceSize + TagSize + plaintext.Length];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_keys.Current.Bytes, TagSize);
        aes.Encrypt(nonce, plaintext, output.AsSpan(NonceSize + TagSize), output.AsSpan(NonceSize, TagSize), AssociatedData(customerId));
        CryptographicOperations.ZeroMemory(plaintext);
        return FormatPrefix + _keys.Current.Id + ":" + Convert.ToBase64String(output);
    }

    /// <summary>Returns null when the value cannot be decrypted (unknown or wrong master key, tampered, or another
    /// customer's).</summary>
    public string? Unprotect(string customerId, string protectedValue) => Read(customerId, protectedValue).ApiKey;

    public UpstreamKeyReading Read(string customerId, string protectedValue)
    {
        if (!protectedValue.StartsWith(FormatPrefix, StringComparison.Ordinal))
        {
            return ReadLegacy(customerId, protectedValue);
        }

        var rest = protectedValue.AsSpan(FormatPrefix.Length);
        var separator = rest.IndexOf(':');
        if (separator <= 0)
        {
            return UpstreamKeyReading.Unreadable(null);
        }

        var keyId = rest[..separator].ToString();
        if (_keys.Find(keyId) is not { } key)
        {
            return new UpstreamKeyReading(UpstreamKeyReadStatus.UnknownMasterKey, null, keyId, false);
        }

        var apiKey = Decrypt(key.Bytes, customerId, rest[(separator + 1)..].ToString());
        return apiKey is null
            ? UpstreamKeyReading.Unreadable(keyId)
            : new UpstreamKeyReading(UpstreamKeyReadStatus.Decrypted, apiKey, keyId, ReferenceEquals(key, _keys.Current));
    }

    private UpstreamKeyReading ReadLegacy(string customerId, string protectedValue)
    {
        foreach (var key in _keys.All)
        {
            if (Decrypt(key.Bytes, customerId, protectedValue) is { } apiKey)
            {
                return new UpstreamKeyReading(UpstreamKeyReadStatus.Decrypted, apiKey, MasterKey.LegacyId, false);
            }
        }

        return UpstreamKeyReading.Unreadable(MasterKey.LegacyId);
    }

    private static string? Decrypt(byte[] key, string customerId, string base64)
    {
        byte[] input;
        try
        {
            input = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            return null;
        }

        if (input.Length < NonceSize + TagSize)
        {
            return null;
        }

        var plaintext = new byte[input.Length - NonceSize - TagSize];
        try
        {
            using var aes = new AesGcm(key, TagSize);
            aes.Decrypt(input.AsSpan(0, NonceSize), input.AsSpan(NonceSize + TagSize), input.AsSpan(NonceSize, TagSize), plaintext, AssociatedData(customerId));
            return Encoding.UTF8.GetString(plaintext);
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    private static byte[] AssociatedData(string customerId) => Encoding.UTF8.GetBytes("dgproxy-upstream-key:" + customerId);
}
