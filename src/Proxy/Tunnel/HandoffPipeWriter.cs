using System.IO.Pipelines;

namespace Proxy.Tunnel;

/// <summary>
/// Kestrel's HTTP layer's writer of the connection (<see cref="ConnectionHandoff"/>). After the handoff, what it
/// writes goes nowhere and its completion does not end the connection: the tunnel writes the real pipe.
/// </summary>
internal sealed class HandoffPipeWriter : PipeWriter
{
    private static readonly FlushResult Ended = new(isCanceled: false, isCompleted: true);

    private readonly PipeWriter _inner;
    private readonly ConnectionHandoff _handoff;
    private byte[]? _discard;

    public HandoffPipeWriter(PipeWriter inner, ConnectionHandoff handoff)
    {
        _inner = inner;
        _handoff = handoff;
    }

    public override bool CanGetUnflushedBytes => _inner.CanGetUnflushedBytes;

    public override long UnflushedBytes => _handoff.HandedOff ? 0 : _inner.UnflushedBytes;

    public override void Advance(int bytes)
    {
        if (!_handoff.HandedOff)
        {
            _inner.Advance(bytes);
        }
    }

    public override Memory<byte> GetMemory(int sizeHint = 0) => _handoff.HandedOff ? Discard(sizeHint) : _inner.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => _handoff.HandedOff ? Discard(sizeHint).Span : _inner.GetSpan(sizeHint);

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) =>
        _handoff.HandedOff ? ValueTask.FromResult(Ended) : _inner.FlushAsync(cancellationToken);

    public override void CancelPendingFlush()
    {
        if (!_handoff.HandedOff)
        {
            _inner.CancelPendingFlush();
        }
    }

    public override void Complete(Exception? exception = null)
    {
        if (!_handoff.HandedOff)
        {
            _inner.Complete(exception);
        }
    }

    private Memory<byte> Discard(int sizeHint)
    {
        if (_discard is null || _discard.Length < sizeHint)
        {
            _discard = new byte[Math.Max(sizeHint, 4096)];
        }

        return _discard;
    }
}
