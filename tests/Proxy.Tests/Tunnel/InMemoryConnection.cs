using System.IO.Pipelines;

namespace Proxy.Tests.Tunnel;

/// <summary>
/// A Kestrel-like connection pipe in memory: what the peer sends arrives on <see cref="Input"/>, what the proxy writes
/// leaves on <see cref="Output"/>. Inline schedulers, so every completion runs on the thread that causes it.
/// </summary>
internal sealed class InMemoryConnection : IDuplexPipe
{
    private static readonly PipeOptions Inline = new(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, useSynchronizationContext: false);

    private readonly Pipe _fromPeer = new(Inline);
    private readonly Pipe _toPeer = new(Inline);

    public PipeReader Input => _fromPeer.Reader;

    public PipeWriter Output => _toPeer.Writer;

    /// <summary>The peer's side: bytes to send to the proxy, and what the proxy wrote.</summary>
    public PipeWriter PeerSends => _fromPeer.Writer;

    public PipeReader PeerReceives => _toPeer.Reader;
}
