namespace Proxy.Benchmarks.Precision;

/// <summary>
/// One upstream TCP connection as the capture saw it, named by the proxy's port: when the segment carrying the start
/// of the 101 left the upstream (<see cref="OpenedAtNs"/>), and the first FIN or RST either way
/// (<see cref="ClosedAtNs"/>); Unix nanoseconds of the kernel's capture clock, null when not seen.
/// </summary>
internal sealed class WireConnection(int proxyPort, long synAtNs)
{
    public int ProxyPort { get; } = proxyPort;

    public long SynAtNs { get; } = synAtNs;

    /// <summary>When the proxy last sent payload before the open (the upgrade request; under TLS also its handshake):
    /// an upstream segment counts as the open only after the proxy has sent something.</summary>
    public long? RequestAtNs { get; set; }

    /// <summary>When the proxy first sent a TLS application-data record (under TLS 1.3 its Finished, which ends the
    /// handshake); only read under TLS 1.3.</summary>
    public long? ProxyApplicationDataAtNs { get; set; }

    public long? OpenedAtNs { get; set; }

    public long? ClosedAtNs { get; set; }
}
