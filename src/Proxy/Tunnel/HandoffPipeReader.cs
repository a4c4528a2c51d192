using System.Buffers;
using System.IO.Pipelines;

namespace Proxy.Tunnel;

/// <summary>
/// Kestrel's HTTP layer's reader of the connection (<see cref="ConnectionHandoff"/>). After the handoff it reads an
/// ended connection, and its completion or cancellation no longer reach the real pipe, which the tunnel reads.
/// </summary>
internal sealed class HandoffPipeReader : PipeReader
{
    private static readonly ReadResult Ended = new(ReadOnlySequence<byte>.Empty, isCanceled: false, isCompleted: true);

    private readonly PipeReader _inner;
    private readonly ConnectionHandoff _handoff;

    // A read of the real pipe handed out and not yet advanced past: its AdvanceTo must reach the real pipe.
    private bool _reading;

    public HandoffPipeReader(PipeReader inner, ConnectionHandoff handoff)
    {
        _inner = inner;
        _handoff = handoff;
    }

    public override bool TryRead(out ReadResult result)
    {
        if (_handoff.HandedOff)
        {
            result = Ended;
            return true;
        }

        _reading = _inner.TryRead(out result);
        return _reading;
    }

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (_handoff.HandedOff)
        {
            return Ended;
        }

        var result = await _inner.ReadAsync(cancellationToken).ConfigureAwait(false);
        _reading = true;
        return result;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        if (_reading)
        {
            _reading = false;
            _inner.AdvanceTo(consumed, examined);
        }
    }

    public override void CancelPendingRead()
    {
        if (!_handoff.HandedOff)
        {
            _inner.CancelPendingRead();
        }
    }

    public override void Complete(Exception? exception = null)
    {
        if (!_handoff.HandedOff)
        {
            _inner.Complete(exception);
        }
    }
}
