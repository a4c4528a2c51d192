using Proxy.Gateway;
using Proxy.Tunnel;

namespace Proxy.Tests.Tunnel;

/// <summary>
/// One connection as the tunnel sees it, in memory: every write is recorded (as its own chunk and in one byte
/// sequence), reads return queued chunks and then end of stream, and either direction can be made to fail.
/// </summary>
internal sealed class RecordingStream : ConnectionStream
{
    private readonly Queue<byte[]> _reads = new();
    private readonly MemoryStream _written = new();
    private int _readOffset;

    public RecordingStream(params byte[][] reads)
    {
        foreach (var read in reads)
        {
            _reads.Enqueue(read);
        }
    }

    /// <summary>Each write as it came, empty ones included.</summary>
    public List<byte[]> Writes { get; } = [];

    /// <summary>Everything written, in order.</summary>
    public byte[] Written => _written.ToArray();

    public Exception? ReadFailure { get; set; }

    public Exception? WriteFailure { get; set; }

    public bool Disposed { get; private set; }

    public void EnqueueRead(byte[] chunk) => _reads.Enqueue(chunk);

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (ReadFailure is { } failure)
        {
            throw failure;
        }

        if (buffer.IsEmpty)
        {
            return 0;
        }

        if (!_reads.TryPeek(out var next))
        {
            return 0;
        }

        var take = Math.Min(next.Length - _readOffset, buffer.Length);
        next.AsSpan(_readOffset, take).CopyTo(buffer);
        _readOffset += take;
        if (_readOffset == next.Length)
        {
            _reads.Dequeue();
            _readOffset = 0;
        }

        return take;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(buffer.Span));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (WriteFailure is { } failure)
        {
            throw failure;
        }

        Writes.Add(buffer.ToArray());
        _written.Write(buffer);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Disposed = true;
            _written.Dispose();
        }

        base.Dispose(disposing);
    }
}
