namespace Proxy.Customers;

/// <summary>Binds the <c>Secrets</c> configuration section.</summary>
internal sealed class SecretsOptions
{
    public const string SectionName = "Secrets";

    /// <summary>Base64 of 32 random bytes: the AES-256-GCM key that encrypts customers' Deepgram keys at rest.</summary>
    public string? MasterKey { get; set; }

    /// <summary>Master keys rotated out, same form: they still decrypt stored keys and verify outstanding tokens, and
    /// never encrypt or sign.</summary>
    public string[]? PreviousMasterKeys { get; set; }
}
