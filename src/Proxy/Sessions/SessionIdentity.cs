using Proxy.Metering;

namespace Proxy.Sessions;

/// <summary>Who a session belongs to and where it runs; fixed at admission.</summary>
internal sealed record SessionIdentity(
    string SessionId,
    string CustomerId,
    string KeyId,
    string? PlanId,
    string InstanceId,
    string? ClientSessionId)
{
    /// <summary><see cref="CredentialKinds"/>: a proxy key unless the gateway admitted an access token.</summary>
    public string Credential { get; init; } = CredentialKinds.Key;

    /// <summary>The fingerprint of the Deepgram key the session went upstream with, when that key is capped
    /// (<c>Limits:MaxSessionsPerUpstreamKey</c>): the key's lease set the session holds a place in.</summary>
    public string? UpstreamKeyFingerprint { get; init; }
}
