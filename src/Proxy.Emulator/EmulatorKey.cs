namespace Proxy.Emulator;

/// <summary>One Deepgram API key the emulator knows: configured (<c>Emulator:ApiKeys</c>) or created through the keys
/// API. Holds the SHA-256 of the secret, never the secret.</summary>
/// <param name="ApiKeyId">Deepgram's key id: the <c>accessor</c> of the requests list.</param>
/// <param name="Sha256">Lowercase hex SHA-256 of the secret.</param>
/// <param name="ExpiresAt">When it stops opening connections; null for never.</param>
internal sealed record EmulatorKey(
    string ApiKeyId,
    string Sha256,
    string Comment,
    IReadOnlyList<string> Scopes,
    IReadOnlyList<string> Tags,
    DateTimeOffset Created,
    DateTimeOffset? ExpiresAt)
{
    /// <summary>Scopes that may use the management API (keys, requests); others (e.g. <c>member</c>) may only open
    /// agent sessions and grant tokens, the way a Deepgram member key cannot manage the project's keys.</summary>
    private static readonly string[] ManagementScopes = ["admin", "owner"];

    public bool CanManage => Scopes.Any(scope => ManagementScopes.Contains(scope, StringComparer.OrdinalIgnoreCase));

    public bool IsActiveAt(DateTimeOffset now) => ExpiresAt is not { } expiry || now < expiry;
}
