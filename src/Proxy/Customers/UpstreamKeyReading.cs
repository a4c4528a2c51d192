namespace Proxy.Customers;

internal enum UpstreamKeyReadStatus
{
    Decrypted,

    /// <summary>The ciphertext names a master key this instance does not have (neither current nor previous).</summary>
    UnknownMasterKey,

    /// <summary>Malformed, tampered, another customer's, or of the first format and no configured key opens it.</summary>
    Unreadable,
}

/// <summary>What reading a stored Deepgram key found. <see cref="MasterKeyId"/> is the id the ciphertext names
/// (<see cref="MasterKey.LegacyId"/> for the first format); <see cref="IsCurrent"/> says it needs no re-encryption.</summary>
internal readonly record struct UpstreamKeyReading(UpstreamKeyReadStatus Status, string? ApiKey, string? MasterKeyId, bool IsCurrent)
{
    public static UpstreamKeyReading Unreadable(string? masterKeyId) => new(UpstreamKeyReadStatus.Unreadable, null, masterKeyId, false);
}
