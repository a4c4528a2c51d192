using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Proxy.Customers;

/// <summary>
/// Encrypts customers' Deepgram keys at rest with AES-256-GCM. The customer id is authenticated data, so a ciphertext
/// copied onto another customer does not decrypt. Stored form: base64(nonce ‖ tag ‖ ciphertext).
/// </summary>
internal sealed class UpstreamKeyProtector
{
    private const int NonceSize = 12;
    private const int TagSize = 16;

    // Only ever used in Development without a configured key, so a local setup survives restarts; the validator
    // refuses to start anywhere else without Secrets:MasterKey.
    private static readonly byte[] DevelopmentKey = SHA256.HashData("dgproxy development master key"u8);

    /// <summary>The master key in use: the configured one, or the development key when none is (see above).</summary>
    public static byte[] MasterKeyOrDevelopmentKey(string? base64) =>
        TryDecodeMasterKey(base64, out var key) ? key : DevelopmentKey;

    private readonly byte[] _key;

    public UpstreamKeyProtector(IOptions<SecretsOptions> options)
    {
        _key = MasterKeyOrDevelopmentKey(options.Value.MasterKey);
        UsesDevelopmentKey = ReferenceEquals(_key, DevelopmentKey);
    }

    public bool UsesDevelopmentKey { get; }

    public static bool TryDecodeMasterKey(string? base64, out byte[] key)
    {
        key = [];
        if (string.IsNullOrEmpty(base64))
        {
            return false;
        }

        var buffer = new byte[48];
        if (!Convert.TryFromBase64String(base64.Trim(), buffer, out var written) || written != 32)
        {
            return false;
        }

        key = buffer[..32];
        return true;
    }

    public string Protect(string customerId, string apiKey)
    {
        var plaintext = Encoding.UTF8.GetBytes(apiKey);
        var output = new byte[NonceSize + TagSize + plaintext.Length];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plaintext, output.AsSpan(NonceSize + TagSize), output.AsSpan(NonceSize, TagSize), AssociatedData(customerId));
        CryptographicOperations.ZeroMemory(plaintext);
        return Convert.ToBase64String(output);
    }

    /// <summary>Returns null when the value cannot be decrypted (wrong master key, tampered, or another customer's).</summary>
    public string? Unprotect(string customerId, string protectedValue)
    {
        byte[] input;
        try
        {
            input = Convert.FromBase64String(protectedValue);
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
            using var aes = new AesGcm(_key, TagSize);
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
