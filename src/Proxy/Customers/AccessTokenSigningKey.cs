using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Proxy.Customers;

/// <summary>
/// The HS256 key that signs and checks short-lived access tokens: 256 bits derived from <c>Secrets:MasterKey</c> by
/// HKDF-SHA256, so every instance with the same master key agrees without another secret to distribute, and the
/// master key itself never signs anything (the info string separates this use from encryption at rest).
/// </summary>
internal sealed class AccessTokenSigningKey
{
    private static readonly byte[] Info = "dgproxy token signing v1"u8.ToArray();

    public AccessTokenSigningKey(IOptions<SecretsOptions> options)
    {
        var master = UpstreamKeyProtector.MasterKeyOrDevelopmentKey(options.Value.MasterKey);
        Key = new SymmetricSecurityKey(HKDF.DeriveKey(HashAlgorithmName.SHA256, master, 32, salt: [], info: Info));
    }

    public SymmetricSecurityKey Key { get; }
}
