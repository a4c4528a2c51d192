using System.Threading.Tasks.Sources;
using Proxy.Gateway;
using Proxy.Tunnel;

namespace Proxy.Tests.Tunnel;

/// <summary>
/// A connection whose reads wait, as a socket's do, until the test hands them bytes. The pending read is one
/// reusable value-task source and the reader's continuation runs inline in <see cref="Deliver"/>, so a test can
/// drive asynchronous reads on its own thread and count that thread's allocations. Writes are dropped.
/// </summary>
internal sealed class PendingReadStream : ConnectionStream, IValueTaskSource<int>
{
    private ManualResetValueTaskSourceCore<int> _read;
    private Memory<byte> _buffer;
    private bool _pending;

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_pending)
        {
            throw new InvalidOperationException("A read is pending already.");
        }

        _read.Reset();
        _buffer = buffer;
        _pending = true;
        return new ValueTask<int>(this, _read.Version);
    }

    /// <summary>Completes the pending read with as much of <paramref name="data"/> as its buffer takes (none for a
    /// zero-byte read, which only waited for data); returns after the reader's continuation ran.</summary>
    public void Deliver(ReadOnlySpan<byte> data)
    {
        if (!_pending)
        {
            throw new InvalidOperationException("No read is pending.");
        }

        var length = Math.Min(data.Length, _buffer.Length);
        data[..length].CopyTo(_buffer.Span);
        _buffer = default;
        _pending = false;
        _read.SetResult(length);
    }

    public int GetResult(short token) => _read.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _read.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _read.OnCompleted(continuation, state, token, flags);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count)
    {
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.CompletedTask;
}
