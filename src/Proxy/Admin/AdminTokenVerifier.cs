using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Proxy.Admin;

/// <summary>
/// Checks admin bearer tokens and says whose they are. Every configured token is compared, each in constant time over
/// SHA-256 digests (equal lengths), so neither the position of a match nor the length of a token shows in the
/// response time.
/// </summary>
internal sealed class AdminTokenVerifier
{
    private readonly (byte[] Digest, AdminIdentity Identity)[] _tokens;

    public AdminTokenVerifier(IOptions<AdminOptions> options)
    {
        _tokens =
        [
            .. options.Value.ConfiguredTokens().Select(t => (
                SHA256.HashData(Encoding.UTF8.GetBytes(t.Entry.Token!)),
                new AdminIdentity(t.Name, AdminRoles.TryParse(t.Entry.Role, out var role) ? role : AdminRole.Read))),
        ];
    }

    /// <summary>False when no token is configured (Development only): the admin API is then open.</summary>
    public bool Enabled => _tokens.Length > 0;

    public bool IsValid(string? presented) => Verify(presented) is not null;

    /// <summary>The identity of the token presented, or null when it is none of them.</summary>
    public AdminIdentity? Verify(string? presented)
    {
        if (string.IsNullOrEmpty(presented))
        {
            return null;
        }

        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        AdminIdentity? match = null;
        foreach (var (expected, identity) in _tokens)
        {
            // No early exit: every entry is compared whichever matches.
            if (CryptographicOperations.FixedTimeEquals(digest, expected))
            {
                match = identity;
            }
        }

        return match;
    }
}
