using System.Runtime.CompilerServices;

namespace Proxy.Tunnel;

/// <summary>
/// A connection stream that passes every byte through untouched and tells its subclass what it saw: each completed
/// read (in place, no copy), and the end of the connection – end of stream, an I/O error, or disposal.
/// Cancelled reads are not an end: the tunnel cancels a read when the other direction finished.
/// </summary>
internal abstract class ObservedStream : ConnectionStream
{
    private readonly Stream _inner;

    protected ObservedStream(Stream inner)
    {
        _inner = inner;
    }

    public override bool CanRead => _inner.CanRead;

    public override bool CanWrite => _inner.CanWrite;

    // Most reads and writes complete at once (a read after the zero-byte wait, a send the socket buffer takes): they
    // are handled here without a state machine, and only the ones still pending go through the async path.
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ValueTask<int> pending;
        try
        {
            pending = _inner.ReadAsync(buffer, cancellationToken);
        }
        catch (Exception ex)
        {
            return ex is OperationCanceledException && cancellationToken.IsCancellationRequested ? ValueTask.FromException<int>(ex) : ReadFailedAsync(ex);
        }

        if (!pending.IsCompletedSuccessfully)
        {
            return ReadPendingAsync(pending, buffer, cancellationToken);
        }

        var read = pending.Result;
        if (read == 0 && !buffer.IsEmpty)
        {
            return EndOfStreamAsync();
        }

        Observe(buffer.Span, read);
        return new ValueTask<int>(read);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReadPendingAsync(ValueTask<int> pending, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int read;
        try
        {
            read = await pending.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch
        {
            OnEnded();
            await OnLostAsync().ConfigureAwait(false);
            throw;
        }

        if (read == 0 && !buffer.IsEmpty)
        {
            return await EndOfStreamAsync().ConfigureAwait(false);
        }

        Observe(buffer.Span, read);
        return read;
    }

    private async ValueTask<int> ReadFailedAsync(Exception ex)
    {
        OnEnded();
        await OnLostAsync().ConfigureAwait(false);
        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex);
        return 0;
    }

    private async ValueTask<int> EndOfStreamAsync()
    {
        OnEndOfStream();
        await OnLostAsync().ConfigureAwait(false);
        return 0;
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
            OnEnded();
            throw;
        }

        Observe(buffer, read);
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ValueTask pending;
        try
        {
            pending = _inner.WriteAsync(buffer, cancellationToken);
        }
        catch (Exception ex)
        {
            if (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                OnEnded();
            }

            return ValueTask.FromException(ex);
        }

        if (!pending.IsCompletedSuccessfully)
        {
            return WritePendingAsync(pending, cancellationToken);
        }

        // Consumed, so that a pooled source behind it is given back.
        pending.GetAwaiter().GetResult();
        return ValueTask.CompletedTask;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WritePendingAsync(ValueTask pending, CancellationToken cancellationToken)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch
        {
            OnEnded();
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
            OnEnded();
            throw;
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => _inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    /// <summary>Bytes that just came from the peer (<paramref name="read"/> &gt; 0).</summary>
    protected abstract void OnRead(ReadOnlySpan<byte> data);

    /// <summary>The connection ended; may be called more than once.</summary>
    protected abstract void OnEnded();

    /// <summary>The peer ended the stream (a read found its end): by default like any other end.</summary>
    protected virtual void OnEndOfStream() => OnEnded();

    /// <summary>The peer's connection ended under a read (end of stream or error), before the tunnel learns of it:
    /// the last moment to tell the other peer something.</summary>
    protected virtual ValueTask OnLostAsync() => ValueTask.CompletedTask;

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            OnEnded();
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        OnEnded();
        await _inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private void Observe(ReadOnlySpan<byte> buffer, int read)
    {
        if (read > 0)
        {
            OnRead(buffer[..read]);
        }
        else if (!buffer.IsEmpty)
        {
            // A zero-byte read into an empty buffer only waits for data; into a real buffer it is end of stream.
            OnEndOfStream();
        }
    }
}
