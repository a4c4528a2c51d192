using System.Security.Cryptography;
using System.Text;

namespace Proxy.Emulator;

/// <summary>Hashes of API keys, so that neither logs nor records ever hold a key.</summary>
internal static class KeyFingerprint
{
    public static byte[] Sha256(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    public static string Sha256Hex(string key) => Convert.ToHexStringLower(Sha256(key));

    /// <summary>A short prefix of the hex digest: enough to tell keys apart in a log, useless for guessing one.</summary>
    public static string Short(string? sha256Hex) => sha256Hex is null ? "-" : sha256Hex[..12];
}
