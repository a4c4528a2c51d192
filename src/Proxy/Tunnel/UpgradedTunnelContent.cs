using System.Net;

namespace Proxy.Tunnel;

/// <summary>A 101 response's content: the upgraded connection as a duplex stream.</summary>
internal sealed class UpgradedTunnelContent : HttpContent
{
    private readonly Stream _stream;

    public UpgradedTunnelContent(Stream stream)
    {
        _stream = stream;
    }

    protected override Task<Stream> CreateContentReadStreamAsync() => Task.FromResult(_stream);

    protected override Stream CreateContentReadStream(CancellationToken cancellationToken) => _stream;

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        throw new NotSupportedException("An upgraded connection is a duplex stream, not a body.");

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stream.Dispose();
        }

        base.Dispose(disposing);
    }
}
