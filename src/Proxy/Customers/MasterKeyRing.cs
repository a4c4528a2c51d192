using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Proxy.Customers;

/// <summary>
/// The current master key (<c>Secrets:MasterKey</c>, which encrypts and signs) and the previous ones
/// (<c>Secrets:PreviousMasterKeys</c>, which only still decrypt and verify), so the master key can rotate without
/// losing stored Deepgram keys or outstanding tokens.
/// </summary>
internal sealed class MasterKeyRing
{
    // Only ever used in Development without a configured key, so a local setup survives restarts; the validator
    // refuses to start anywhere else without Secrets:MasterKey.
    private static readonly byte[] DevelopmentKey = SHA256.HashData("dgproxy development master key"u8);

    public MasterKeyRing(IOptions<SecretsOptions> options)
    {
        var configured = TryDecode(options.Value.MasterKey, out var current);
        UsesDevelopmentKey = !configured;
        Current = new MasterKey(configured ? current : DevelopmentKey);

        var previous = new List<MasterKey>();
        foreach (var text in options.Value.PreviousMasterKeys ?? [])
        {
            // The validator refuses a malformed entry at startup; skipping one here keeps a ring built in a test total.
            if (TryDecode(text, out var bytes))
            {
                var key = new MasterKey(bytes);
                if (key.Id != Current.Id && previous.TrueForAll(k => k.Id != key.Id))
                {
                    previous.Add(key);
                }
            }
        }

        Previous = previous;
    }

    public MasterKey Current { get; }

    /// <summary>Older keys, in configured order, without duplicates of the current one.</summary>
    public IReadOnlyList<MasterKey> Previous { get; }

    public bool UsesDevelopmentKey { get; }

    /// <summary>The current key first, then the previous ones.</summary>
    public IEnumerable<MasterKey> All => Previous.Prepend(Current);

    public MasterKey? Find(string id) => All.FirstOrDefault(k => string.Equals(k.Id, id, StringComparison.Ordinal));

    /// <summary>Base64 of exactly 32 bytes (surrounding whitespace ignored).</summary>
    public static bool TryDecode(string? base64, out byte[] key)
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
}
