using System.Runtime.CompilerServices;
using Proxy.Sessions;

namespace Proxy.Forwarding;

/// <summary>
/// Wraps one side's connection stream inside the forwarder's tunnel. Reads carry the bytes coming from that side:
/// they are counted and parsed in place, with no copy. The end of the stream, an I/O error, or the tunnel disposing
/// it marks that side's connection as ended, which is what the record's close instants are made of.
/// </summary>
internal sealed class MeteredTunnelStream : Stream
{
    private readonly Stream _inner;
    private readonly AgentSession _session;
    private readonly TunnelSide _side;
    private readonly WebSocketFrameParser _parser;
    private readonly DirectionMeter _meter;

    public MeteredTunnelStream(Stream inner, AgentSession session, TunnelSide side)
    {
        _inner = inner;
        _session = session;
        _side = side;
        _parser = session.ParserFor(side);
        _meter = session.MeterFor(side);
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int read;
        try
        {
            read = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The tunnel stopped reading (the other side finished); this side has not ended by itself.
            throw;
        }
        catch
        {
            _session.MarkEnded(_side);
            throw;
        }

        Observe(buffer.Span, read);
        return read;
    }

    public override int Read(Span<byte> buffer)
    {
        int read;
        try
        {
            read = _inner.Read(buffer);
        }
        catch
        {
            _session.MarkEnded(_side);
            throw;
        }

        Observe(buffer, read);
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            await _inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch
        {
            _session.MarkEnded(_side);
            throw;
        }
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        try
        {
            _inner.Write(buffer);
        }
        catch
        {
            _session.MarkEnded(_side);
            throw;
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => _inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _session.MarkEnded(_side);
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        _session.MarkEnded(_side);
        await _inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private void Observe(ReadOnlySpan<byte> buffer, int read)
    {
        if (read > 0)
        {
            _meter.AddBytes(read);
            try
            {
                _parser.Parse(buffer[..read]);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Inspection is never worth a customer's session: stop looking at this direction, keep forwarding.
                _session.OnInspectionFailed(_side, ex);
                _parser.Abandon();
            }
        }
        else if (!buffer.IsEmpty)
        {
            // A zero-byte read into an empty buffer only waits for data; into a real buffer it is end of stream.
            _session.MarkEnded(_side);
        }
    }
}
