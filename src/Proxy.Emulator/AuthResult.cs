using System.Diagnostics.CodeAnalysis;

namespace Proxy.Emulator;

/// <summary>Outcome of checking a request's Deepgram credentials.</summary>
/// <param name="Method">An <see cref="AuthMethods"/> value on success.</param>
/// <param name="KeySha256">Lowercase hex SHA-256 of the offered key (of the minting key for an access token), or null
/// when none is known.</param>
/// <param name="ApiKeyId">The authenticated key's id (the minting key's for an access token), on success.</param>
/// <param name="Credential">A <see cref="Credentials"/> value on success.</param>
/// <param name="AcceptedSubprotocol">The protocol to select in the 101 (the offered <c>token</c> or <c>bearer</c>
/// element), or null.</param>
/// <param name="FailureReason">Why the request is refused (for the log), or null on success.</param>
internal readonly record struct AuthResult(
    string? Method,
    string? KeySha256,
    string? ApiKeyId,
    string? Credential,
    string? AcceptedSubprotocol,
    string? FailureReason)
{
    [MemberNotNullWhen(true, nameof(Method), nameof(KeySha256), nameof(ApiKeyId), nameof(Credential))]
    [MemberNotNullWhen(false, nameof(FailureReason))]
    public bool Succeeded => FailureReason is null;

    public static AuthResult Success(string method, EmulatorKey key, string credential, string? acceptedSubprotocol) =>
        new(method, key.Sha256, key.ApiKeyId, credential, acceptedSubprotocol, null);

    public static AuthResult Failure(string reason, string? keySha256) => new(null, keySha256, null, null, null, reason);
}
