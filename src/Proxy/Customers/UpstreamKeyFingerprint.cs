using System.Security.Cryptography;
using System.Text;

namespace Proxy.Customers;

/// <summary>
/// A Deepgram key's name where the key itself must not go (Redis, the instance's counters): the first 16 bytes of
/// SHA-256 over a label and the key, in hex. A Deepgram key is a long random secret, so the hash cannot be walked
/// back to it; no secret goes into it either, so every instance names the same key the same way, also across a
/// master-key rotation.
/// </summary>
internal static class UpstreamKeyFingerprint
{
    private static readonly byte[] Label = "dgproxy upstream key\n"u8.ToArray();

    public static string Of(string upstreamKey)
    {
        var key = Encoding.UTF8.GetBytes(upstreamKey);
        var input = new byte[Label.Length + key.Length];
        Label.CopyTo(input, 0);
        key.CopyTo(input, Label.Length);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(input, hash);
        CryptographicOperations.ZeroMemory(input);
        return Convert.ToHexStringLower(hash[..16]);
    }
}
