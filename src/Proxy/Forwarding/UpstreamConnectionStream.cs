using System.Runtime.CompilerServices;
using Proxy.Sessions;

namespace Proxy.Forwarding;

/// <summary>
/// The upstream connection's plaintext stream (after TLS), below HTTP. It timestamps the first response bytes, the
/// closest the proxy can get to the instant the upstream accepted the session, and the socket-level end of the
/// connection, the instant billing stops. A session is attached once the response turned out to be a 101.
/// </summary>
internal sealed class UpstreamConnectionStream : Stream
{
    private readonly Stream _inner;
    private readonly TimeProvider _time;
    private AgentSession? _session;
    private bool _sawResponse;

    public UpstreamConnectionStream(Stream inner, TimeProvider time)
    {
        _inner = inner;
        _time = time;
    }

    public override bool CanRead => _inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => _inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public void Attach(AgentSession session) => Volatile.Write(ref _session, session);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var probe = _sawResponse ? null : UpstreamConnectionProbe.Current;
        int read;
        try
        {
            read = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch
        {
            Ended();
            throw;
        }

        if (read > 0)
        {
            if (!_sawResponse)
            {
                _sawResponse = true;
                probe?.OnFirstResponseBytes(this, _time.GetTimestamp(), _time.GetUtcNow().ToUnixTimeMilliseconds());
            }
        }
        else if (!buffer.IsEmpty)
        {
            Ended();
        }

        return read;
    }

    public override int Read(Span<byte> buffer)
    {
        try
        {
            var read = _inner.Read(buffer);
            if (read == 0 && !buffer.IsEmpty)
            {
                Ended();
            }

            return read;
        }
        catch
        {
            Ended();
            throw;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Write(ReadOnlySpan<byte> buffer) => _inner.Write(buffer);

    public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);

    public override void Flush() => _inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Ended();
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        Ended();
        await _inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private void Ended() => Volatile.Read(ref _session)?.MarkEnded(TunnelSide.Upstream);
}
