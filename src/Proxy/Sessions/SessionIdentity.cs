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
}
