namespace Proxy.Customers;

/// <summary>The outcome of presenting a proxy key, with the key and customer when they are known.</summary>
internal sealed record KeyAuthenticationResult(
    KeyAuthenticationOutcome Outcome,
    ProxyKey? Key = null,
    Customer? Customer = null,
    string? ProtectedUpstreamKey = null);
