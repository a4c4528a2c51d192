using System.Diagnostics.CodeAnalysis;

namespace Proxy.Emulator;

/// <summary>Outcome of checking a request's Deepgram credentials.</summary>
/// <param name="Method">An <see cref="AuthMethods"/> value on success.</param>
/// <param name="KeySha256">Lowercase hex SHA-256 of the offered key, or null when none was offered.</param>
/// <param name="AcceptedSubprotocol">The protocol to select in the 101 (the offered <c>token</c> element), or null.</param>
/// <param name="FailureReason">Why the request is refused (for the log), or null on success.</param>
internal readonly record struct AuthResult(
    string? Method,
    string? KeySha256,
    string? AcceptedSubprotocol,
    string? FailureReason)
{
    [MemberNotNullWhen(true, nameof(Method), nameof(KeySha256))]
    [MemberNotNullWhen(false, nameof(FailureReason))]
    public bool Succeeded => FailureReason is null;

    public static AuthResult Success(string method, string keySha256, string? acceptedSubprotocol) =>
        new(method, keySha256, acceptedSubprotocol, null);

    public static AuthResult Failure(string reason, string? keySha256) => new(null, keySha256, null, reason);
}
