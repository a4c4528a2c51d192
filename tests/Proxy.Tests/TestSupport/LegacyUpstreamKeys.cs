using System.Security.Cryptography;
using System.Text;

namespace Proxy.Tests.TestSupport;

/// <summary>Upstream keys as the gateway stored them before ciphertexts carried a master-key id.</summary>
internal static class LegacyUpstreamKeys
{
    /// <summary>base64(nonce ‖ tag ‖ ciphertext), AES-256-GCM with the customer id as associated data.</summary>
    public static string Protect(byte[] masterKey, string customerId, string apiKey)
    {
        var plaintext = Encoding.UTF8.GetBytes(apiKey);
        var output = new byte[12 + 16 + plaintext.Length];
        RandomNumberGenerator.Fill(output.AsSpan(0, 12));
        using var aes = new AesGcm(masterKey, 16);
        aes.Encrypt(output.AsSpan(0, 12), plaintext, output.AsSpan(28), output.AsSpan(12, 16), Encoding.UTF8.GetBytes("dgproxy-upstream-key:" + customerId));
        return Convert.ToBase64String(output);
    }
}
