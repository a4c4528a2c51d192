using System.Runtime.CompilerServices;

namespace Proxy.Tunnel;

/// <summary>
/// One side's connection inside the session's tunnel (<see cref="TunnelPump"/>). Reads carry the bytes coming from that side: they are
/// counted and parsed in place. Writes carry the bytes going to that side; the proxy can put its own frames (a
/// Warning, an Error and a Close) into them, but only between two whole messages, so a frame in flight is never
/// cut. The end of the connection marks that side as ended, which is what the record's close instants are made of.
/// </summary>
internal sealed class MeteredTunnelStream : ObservedStream
{
    private readonly SessionTunnel _tunnel;
    private readonly TunnelSide _side;
    private readonly WebSocketFrameParser _parser;
    private readonly DirectionMeter _meter;

    // Parses the bytes this stream writes (they were read, and parsed, on the other side just before).
    private readonly WebSocketFrameParser _outgoing;

    // The pump's copy loop is the only other writer; this lock orders its writes with the proxy's own frames.
    private readonly AsyncMutex _writeLock = new();
    private readonly List<(byte[] Frames, TaskCompletionSource<bool> Written, bool ControlOnly)> _pending = [];

    // _pending's count, changed under its lock and read without it: the copy loop checks it on every write.
    private int _pendingCount;

    private bool _atBoundary = true;
    private bool _sealPending;
    private bool _sealed;

    // After a protocol violation by the other side: forwarding stopped, and whether it stopped at a frame boundary.
    private bool _cut;
    private bool _cutClean;

    // The start of the other side's Close frame while its end is still to be read (at most a 14-byte header and 125
    // bytes). A Close is judged only once whole (its code and UTF-8 reason), and a bad one must not reach this peer:
    // once part of a frame is on the wire nothing can take its place cleanly, and this peer would read whatever code
    // it carried. So a Close goes on whole or not at all; nothing valid can follow a Close, so nothing waits behind
    // it. Allocated only when a Close arrives split across reads.
    private byte[]? _heldClose;

    /// <summary>Made by <see cref="SessionTunnel.Attach"/>, which keeps it for the pump.</summary>
    internal MeteredTunnelStream(Stream inner, SessionTunnel tunnel, TunnelSide side)
        : base(inner)
    {
        _tunnel = tunnel;
        _side = side;
        _parser = tunnel.ParserFor(side);
        _meter = tunnel.MeterFor(side);
        _outgoing = tunnel.ParserFor(side == TunnelSide.Client ? TunnelSide.Upstream : TunnelSide.Client);
    }

    /// <summary>
    /// Writes <paramref name="frames"/> to this side at the next message boundary (at once if the stream is between
    /// messages). With <paramref name="seal"/>, nothing the tunnel forwards afterwards reaches this side: the frames
    /// end with a Close. Completes with false when they can never be written: the side is sealed already, a peer's
    /// Close went to it already, or its framing is unknown (a protocol error stopped the parser).
    /// </summary>
    public async Task<bool> InjectAsync(byte[] frames, bool seal, bool controlOnly = false)
    {
        TaskCompletionSource<bool> written;
        await _writeLock.EnterAsync().ConfigureAwait(false);
        try
        {
            if (_sealed || _sealPending || _outgoing.CloseSeen || _outgoing.Error == FrameProtocolError.InspectionFailed)
            {
                return false;
            }

            if (_outgoing.IsFaulted && _cut && !(_cutClean && (controlOnly || !_outgoing.FaultInsideMessage)))
            {
                // The peer's bad frame had partly gone through already (or, for data frames, it cut a fragmented
                // message): these frames cannot follow it cleanly.
                return false;
            }

            if (_atBoundary && (!_outgoing.IsFaulted || _cut))
            {
                await base.WriteAsync(frames).ConfigureAwait(false);
                _sealed = seal;
                return true;
            }

            written = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_pending)
            {
                _pending.Add((frames, written, controlOnly));
                Volatile.Write(ref _pendingCount, _pending.Count);
            }

            _sealPending = seal;
        }
        finally
        {
            _writeLock.Exit();
        }

        return await written.Task.ConfigureAwait(false);
    }

    // Nearly every write is the copy loop forwarding whole frames with nothing queued, held or wrong: the lock is
    // free and the socket takes the bytes at once, so that path runs without a state machine.
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested || !_writeLock.TryEnter())
        {
            return WriteWhenFreeAsync(buffer, cancellationToken);
        }

        if (_sealed || _cut || _heldClose is not null || _outgoing.IsFaulted || _outgoing.EndedInsideClose || HasPending())
        {
            return WriteHoldingLockAsync(buffer, cancellationToken);
        }

        ValueTask write;
        try
        {
            write = buffer.IsEmpty ? ValueTask.CompletedTask : base.WriteAsync(buffer, cancellationToken);
        }
        catch
        {
            _writeLock.Exit();
            throw;
        }

        if (!write.IsCompletedSuccessfully)
        {
            return ForwardPendingAsync(write);
        }

        try
        {
            write.GetAwaiter().GetResult();
            _atBoundary = _outgoing.AtMessageBoundary;
        }
        finally
        {
            _writeLock.Exit();
        }

        return ValueTask.CompletedTask;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ForwardPendingAsync(ValueTask write)
    {
        try
        {
            await write.ConfigureAwait(false);
            _atBoundary = _outgoing.AtMessageBoundary;
        }
        finally
        {
            _writeLock.Exit();
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteWhenFreeAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        await _writeLock.EnterAsync(cancellationToken).ConfigureAwait(false);
        await WriteHoldingLockAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The general write, with the lock held (and let go of here).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteHoldingLockAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            if (_sealed || _cut)
            {
                // After the proxy's Close (or a protocol violation), the peer gets nothing more; the tunnel keeps
                // reading for the replies.
                _heldClose = null;
                return;
            }

            // Offsets the parser gives are within the chunk it just parsed; the held bytes come before it.
            var held = 0;
            if (_heldClose is { } heldClose)
            {
                held = heldClose.Length;
                buffer = Join(heldClose, buffer.Span);
                _heldClose = null;
            }

            if (_outgoing.IsFaulted && _outgoing.Error != FrameProtocolError.InspectionFailed)
            {
                await CutAtFaultAsync(buffer, held, cancellationToken).ConfigureAwait(false);
                return;
            }

            var forward = HoldUnfinishedClose(buffer, held);
            if (!HasPending())
            {
                if (!forward.IsEmpty)
                {
                    await base.WriteAsync(forward, cancellationToken).ConfigureAwait(false);
                }

                _atBoundary = _outgoing.AtMessageBoundary;
            }
            else
            {
                await WriteWithPendingAsync(forward, held, cancellationToken).ConfigureAwait(false);
            }

            if (_heldClose is not null)
            {
                // This peer has all the frames before the held Close: between two messages unless the Close came
                // inside a fragmented one.
                _atBoundary = !_outgoing.IsInsideMessage;
                if (_sealed)
                {
                    _heldClose = null;
                }
            }
        }
        finally
        {
            _writeLock.Exit();
        }
    }

    public override void Write(ReadOnlySpan<byte> buffer) => WriteAsync(buffer.ToArray()).AsTask().GetAwaiter().GetResult();

    protected override void OnRead(ReadOnlySpan<byte> data)
    {
        _meter.AddBytes(data.Length);
        try
        {
            _parser.Parse(data);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Inspection is never worth a customer's session: stop looking at this direction, keep forwarding.
            _tunnel.Observer.OnInspectionFailed(_side, ex);
            _parser.Abandon();
        }
    }

    protected override void OnEnded()
    {
        // The upstream's end is the socket's (UpstreamConnectionStream, below this one) when the proxy has it.
        if (_side == TunnelSide.Client || !_tunnel.HasUpstreamConnection)
        {
            _tunnel.Observer.OnEnded(_side);
        }

        FailPending();
    }

    protected override async ValueTask OnLostAsync()
    {
        if (_side == TunnelSide.Upstream)
        {
            await _tunnel.Observer.OnUpstreamLostAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The other side broke the protocol (or a limit) inside the chunk being written. The whole frames before the
    /// bad one go through; the bad one and everything after it never reach this peer. The proxy's closing frames
    /// go right after the cut.
    /// </summary>
    private async Task CutAtFaultAsync(ReadOnlyMemory<byte> buffer, int held, CancellationToken cancellationToken)
    {
        _cut = true;

        // A bad frame that began in an earlier chunk is the held Close, when one was held: none of it went on.
        var offset = _outgoing.FaultOffsetInChunk >= 0 ? _outgoing.FaultOffsetInChunk + held : held > 0 ? 0 : -1;
        if (offset >= 0)
        {
            _cutClean = true;
            _atBoundary = true;
            if (offset > 0)
            {
                await base.WriteAsync(buffer[..offset], cancellationToken).ConfigureAwait(false);
            }
        }

        var pending = TakePending();

        // Inside a fragmented message only control frames (a Close) may follow the cut.
        var wrote = false;
        foreach (var (frames, written, controlOnly) in pending)
        {
            var fits = _cutClean && (controlOnly || !_outgoing.FaultInsideMessage);
            if (fits)
            {
                await base.WriteAsync(frames, cancellationToken).ConfigureAwait(false);
                wrote = true;
            }

            written.TrySetResult(fits);
        }

        _sealed = wrote && _sealPending;
    }

    /// <summary>
    /// The chunk being written was parsed on the other side just before; the parser knows where in it the message
    /// in flight ends. Up to there it is forwarded, then the proxy's frames, then the rest (unless they sealed it).
    /// </summary>
    private async Task WriteWithPendingAsync(ReadOnlyMemory<byte> buffer, int held, CancellationToken cancellationToken)
    {
        var boundary = _outgoing.FirstMessageBoundaryInChunk;
        var cut = _outgoing.ChunkStartedAtMessageBoundary ? 0 : boundary >= 0 ? boundary + held : -1;
        if (cut < 0 || _outgoing.IsFaulted)
        {
            // Still inside the message that was in flight when the frames were queued.
            if (!buffer.IsEmpty)
            {
                await base.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            }

            if (_outgoing.IsFaulted)
            {
                FailPending();
            }

            return;
        }

        if (cut > 0)
        {
            await base.WriteAsync(buffer[..cut], cancellationToken).ConfigureAwait(false);
        }

        var pending = TakePending();

        foreach (var (frames, _, _) in pending)
        {
            await base.WriteAsync(frames, cancellationToken).ConfigureAwait(false);
        }

        foreach (var (_, written, _) in pending)
        {
            written.TrySetResult(true);
        }

        _sealed = _sealPending;
        if (!_sealed && cut < buffer.Length)
        {
            await base.WriteAsync(buffer[cut..], cancellationToken).ConfigureAwait(false);
        }

        _atBoundary = _outgoing.AtMessageBoundary;
    }

    /// <summary>
    /// What of <paramref name="buffer"/> can go on now: all of it, unless it ends inside a Close frame, whose bytes
    /// are then kept back until the chunk that ends it (see <see cref="_heldClose"/>).
    /// </summary>
    private ReadOnlyMemory<byte> HoldUnfinishedClose(ReadOnlyMemory<byte> buffer, int held)
    {
        if (!_outgoing.EndedInsideClose)
        {
            return buffer;
        }

        // A Close that began in an earlier chunk began where the held bytes do. Every write comes through here, so
        // one that was not held cannot be; were it so, its start is on the wire already and the rest must follow.
        var start = _outgoing.UnfinishedFrameStartInChunk;
        start = start >= 0 ? start + held : held > 0 ? 0 : -1;
        if (start < 0)
        {
            return buffer;
        }

        _heldClose = buffer[start..].ToArray();
        return buffer[..start];
    }

    private static byte[] Join(byte[] first, ReadOnlySpan<byte> second)
    {
        var joined = new byte[first.Length + second.Length];
        first.CopyTo(joined, 0);
        second.CopyTo(joined.AsSpan(first.Length));
        return joined;
    }

    // Frames are queued only under the write lock, which the caller holds: the count cannot grow under it.
    private bool HasPending() => Volatile.Read(ref _pendingCount) > 0;

    private (byte[] Frames, TaskCompletionSource<bool> Written, bool ControlOnly)[] TakePending()
    {
        lock (_pending)
        {
            (byte[] Frames, TaskCompletionSource<bool> Written, bool ControlOnly)[] pending = [.. _pending];
            _pending.Clear();
            Volatile.Write(ref _pendingCount, 0);
            return pending;
        }
    }

    private void FailPending()
    {
        lock (_pending)
        {
            foreach (var (_, written, _) in _pending)
            {
                written.TrySetResult(false);
            }

            _pending.Clear();
            Volatile.Write(ref _pendingCount, 0);
        }
    }
}
