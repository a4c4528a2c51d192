using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Proxy.Customers;

/// <summary>
/// Proxy key secrets: 256 random bits, shown once. Only their SHA-256 is stored; a plain hash is enough because the
/// secrets are random, not chosen by people, so there is nothing to brute-force from the hash.
/// </summary>
internal static class ProxyKeySecrets
{
    public const string SecretPrefix = "dgpk_";
    private const int DisplayPrefixLength = 12;

    public static string NewSecret() => SecretPrefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static string NewKeyId() => "key_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(10));

    public static byte[] Hash(string secret)
    {
        var bytes = Encoding.UTF8.GetBytes(secret);
        return SHA256.HashData(bytes);
    }

    public static string HashHex(string secret) => Convert.ToHexStringLower(Hash(secret));

    public static string DisplayPrefix(string secret) =>
        secret.Length <= DisplayPrefixLength ? secret : secret[..DisplayPrefixLength];

    /// <summary>Compares two hashes in constant time, so timing tells nothing of how much of a guess was right.</summary>
    public static bool HashEquals(ReadOnlySpan<byte> expected, string storedHex)
    {
        Span<byte> stored = stackalloc byte[32];
        if (storedHex.Length != 64 || Convert.FromHexString(storedHex, stored, out _, out var written) != System.Buffers.OperationStatus.Done || written != 32)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(expected, stored);
    }
}
