using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Proxy.Customers;

/// <summary>
/// The HS256 key that signs and checks short-lived access tokens: 256 bits derived from <c>Secrets:MasterKey</c> by
/// HKDF-SHA256, so every instance with the same master key agrees without another secret to distribute, and the
/// master key itself never signs anything (the info string separates this use from encryption at rest). Keys derived
/// the same way from <c>Secrets:PreviousMasterKeys</c> still verify, so rotating the master key does not cut off the
/// tokens already handed out (they live at most an hour).
/// </summary>
internal sealed class AccessTokenSigningKey
{
    private static readonly byte[] Info = "dgproxy token signing v1"u8.ToArray();

    public AccessTokenSigningKey(IOptions<SecretsOptions> options)
    {
        var ring = new MasterKeyRing(options);
        Key = Derive(ring.Current);
        VerificationKeys = [Key, .. ring.Previous.Select(Derive)];
    }

    /// <summary>Signs new tokens.</summary>
    public SymmetricSecurityKey Key { get; }

    /// <summary>The signing key first, then those of the previous master keys.</summary>
    public IReadOnlyList<SymmetricSecurityKey> VerificationKeys { get; }

    private static SymmetricSecurityKey Derive(MasterKey master) =>
        new(HKDF.DeriveKey(HashAlgorithmName.SHA256, master.Bytes, 32, salt: [], info: Info));
}
