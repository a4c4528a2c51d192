namespace Proxy.Customers;

/// <summary>The outcome of presenting a proxy key, with the key and customer when they are known.</summary>
internal sealed record KeyAuthenticationResult(
    KeyAuthenticationOutcome Outcome,
    ProxyKey? Key = null,
    Customer? Customer = null,
    string? ProtectedUpstreamKey = null)
{
    /// <summary>Admitted from memory while Redis was unreachable (fail_open).</summary>
    public bool FromMemory { get; init; }
}
