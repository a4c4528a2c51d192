using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Proxy.Admin;

/// <summary>
/// Checks admin bearer tokens. Every configured token is compared, each in constant time over SHA-256 digests (equal
/// lengths), so neither the position of a match nor the length of a token shows in the response time.
/// </summary>
internal sealed class AdminTokenVerifier
{
    private readonly byte[][] _digests;

    public AdminTokenVerifier(IOptions<AdminOptions> options)
    {
        _digests = [.. options.Value.Tokens.Where(t => !string.IsNullOrEmpty(t)).Select(t => SHA256.HashData(Encoding.UTF8.GetBytes(t)))];
    }

    /// <summary>False when no token is configured (Development only): the admin API is then open.</summary>
    public bool Enabled => _digests.Length > 0;

    public bool IsValid(string? presented)
    {
        if (string.IsNullOrEmpty(presented))
        {
            return false;
        }

        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        var match = false;
        foreach (var expected in _digests)
        {
            match |= CryptographicOperations.FixedTimeEquals(digest, expected);
        }

        return match;
    }
}
