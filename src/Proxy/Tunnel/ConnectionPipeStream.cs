using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace Proxy.Tunnel;

/// <summary>
/// The client's upgraded connection read and written straight on Kestrel's connection pipe, below its HTTP/1.1
/// upgrade stream (which goes through the request-body and response-body layers and the output producer's lock for
/// every frame). Only used once the connection is handed off (<see cref="ConnectionHandoff"/>): Kestrel's HTTP layer
/// then no longer reads or writes it, and the tunnel runs from the connection middleware, which Kestrel waits for
/// before it closes the connection.
/// </summary>
internal sealed class ConnectionPipeStream : ConnectionStream
{
    private readonly PipeReader _input;
    private readonly PipeWriter _output;

    public ConnectionPipeStream(IDuplexPipe transport)
    {
        _input = transport.Input;
        _output = transport.Output;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (result.IsCanceled)
        {
            throw new OperationCanceledException(cancellationToken);
        }

        var data = result.Buffer;
        if (buffer.IsEmpty)
        {
            // A zero-byte read waits for data without taking any: the next read finds it at once. At the end it
            // reports nothing either; the caller's next, real read sees the end.
            _input.AdvanceTo(data.Start);
            return 0;
        }

        if (data.IsEmpty)
        {
            _input.AdvanceTo(data.End);
            return 0;
        }

        var count = (int)Math.Min(buffer.Length, data.Length);
        var taken = data.Slice(0, count);
        taken.CopyTo(buffer.Span);
        _input.AdvanceTo(taken.End);
        return count;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var flushed = await _output.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (flushed.IsCanceled)
        {
            throw new OperationCanceledException(cancellationToken);
        }

        if (flushed.IsCompleted)
        {
            // Kestrel's socket sender stopped: the connection is gone.
            throw new IOException("The client connection is closed.");
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

}
