using System.IO.Pipelines;

namespace Proxy.Emulator;

/// <summary>
/// The connection's input as Kestrel reads it, stamping the first read that reports the end of the peer's data
/// (its FIN) or a transport error (its reset). That is the earliest instant this process learns the connection is
/// over; the WebSocket handler learns it later, after its receive has failed and unwound.
/// </summary>
internal sealed class PeerEndObservingReader : PipeReader
{
    private readonly PipeReader _inner;
    private readonly PeerEndStamp _stamp;

    public PeerEndObservingReader(PipeReader inner, PeerEndStamp stamp)
    {
        _inner = inner;
        _stamp = stamp;
    }

    public override void AdvanceTo(SequencePosition consumed) => _inner.AdvanceTo(consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => _inner.AdvanceTo(consumed, examined);

    public override void CancelPendingRead() => _inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => _inner.Complete(exception);

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return Observe(await _inner.ReadAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _stamp.Mark();
            throw;
        }
    }

    public override bool TryRead(out ReadResult result)
    {
        try
        {
            if (!_inner.TryRead(out result))
            {
                return false;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _stamp.Mark();
            throw;
        }

        Observe(result);
        return true;
    }

    private ReadResult Observe(ReadResult result)
    {
        if (result.IsCompleted)
        {
            _stamp.Mark();
        }

        return result;
    }
}
