namespace Proxy.Sessions;

/// <summary>
/// A place on this instance, taken by admission before its first await and given back once: when admission refuses,
/// or when the admitted session leaves the registry. Holding it is what makes the instance cap and the fail_open
/// per-customer count exact under a burst of simultaneous handshakes.
/// </summary>
internal sealed class SessionSlot : IDisposable
{
    private readonly SessionRegistry _registry;
    private int _released;

    internal SessionSlot(SessionRegistry registry)
    {
        _registry = registry;
    }

    /// <summary>The customer the slot counts for on this instance, once admission has counted it.</summary>
    internal string? CustomerId { get; set; }

    /// <summary>The Deepgram key (by fingerprint) the slot counts for on this instance, once admission has counted it.</summary>
    internal string? UpstreamKeyId { get; set; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            _registry.Release(this);
        }
    }
}
