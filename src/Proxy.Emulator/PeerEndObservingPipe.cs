using System.IO.Pipelines;

namespace Proxy.Emulator;

/// <summary>The connection's transport with its input observed by <see cref="PeerEndObservingReader"/>.</summary>
internal sealed class PeerEndObservingPipe : IDuplexPipe
{
    public PeerEndObservingPipe(IDuplexPipe inner, PeerEndStamp stamp)
    {
        Input = new PeerEndObservingReader(inner.Input, stamp);
        Output = inner.Output;
    }

    public PipeReader Input { get; }

    public PipeWriter Output { get; }
}
