using System.Security.Cryptography;

namespace Proxy.Customers;

/// <summary>
/// One master key and its id. The id is a fingerprint, not a secret: the first 8 hex characters of
/// HKDF-SHA256(master, info "dgproxy key id v1"), so every instance with the same key computes the same id and the id
/// reveals nothing usable about the key. Id "0" is reserved for ciphertexts stored before ids existed.
/// </summary>
internal sealed class MasterKey
{
    /// <summary>The id read for a ciphertext of the first stored format, which names no key.</summary>
    public const string LegacyId = "0";

    private static readonly byte[] IdInfo = "dgproxy key id v1"u8.ToArray();

    public MasterKey(byte[] bytes)
    {
        Bytes = bytes;
        Id = Convert.ToHexStringLower(HKDF.DeriveKey(HashAlgorithmName.SHA256, bytes, 4, salt: [], info: IdInfo));
    }

    public byte[] Bytes { get; }

    public string Id { get; }
}
