namespace Proxy.Sessions;

/// <summary>Who a session belongs to and where it runs; fixed at admission.</summary>
internal sealed record SessionIdentity(
    string SessionId,
    string CustomerId,
    string KeyId,
    string? PlanId,
    string InstanceId,
    string? ClientSessionId);
