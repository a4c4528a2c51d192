using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Proxy.Tunnel;

/// <summary>
/// The client's upgraded connection read and written straight on Kestrel's connection pipe, below its HTTP/1.1
/// upgrade stream (which goes through the request-body and response-body layers and the output producer's lock for
/// every frame). Only used once the connection is handed off (<see cref="ConnectionHandoff"/>): Kestrel's HTTP layer
/// then no longer reads or writes it, and the tunnel runs from the connection middleware, which Kestrel waits for
/// before it closes the connection.
/// With the connection's socket given, writes go straight to it: Kestrel's output pipe is empty once the 101 is out
/// (the HTTP layer's writes go nowhere after the handoff), so only the tunnel writes, and each write skips the copy
/// into the pipe and Kestrel's sender loop. Reads stay on the pipe: Kestrel's receive loop owns the socket's reads.
/// </summary>
internal sealed class ConnectionPipeStream : ConnectionStream
{
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly Socket? _socket;

    public ConnectionPipeStream(IDuplexPipe transport, Socket? socket = null)
    {
        _input = transport.Input;
        _output = transport.Output;
        _socket = socket;
    }

    // The read after a zero-byte wait, and a write Kestrel's sender takes at once, complete without a state machine.
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var pending = _input.ReadAsync(cancellationToken);
        return pending.IsCompletedSuccessfully ? new ValueTask<int>(Take(pending.Result, buffer, cancellationToken)) : ReadPendingAsync(pending, buffer, cancellationToken);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_socket is not null)
        {
            // A stream socket's send completes once every byte is in the socket's buffer.
            var sending = _socket.SendAsync(buffer, SocketFlags.None, cancellationToken);
            if (!sending.IsCompletedSuccessfully)
            {
                return SendPendingAsync(sending);
            }

            _ = sending.Result;
            return ValueTask.CompletedTask;
        }

        var pending = _output.WriteAsync(buffer, cancellationToken);
        if (!pending.IsCompletedSuccessfully)
        {
            return WritePendingAsync(pending, cancellationToken);
        }

        Check(pending.Result, cancellationToken);
        return ValueTask.CompletedTask;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReadPendingAsync(ValueTask<ReadResult> pending, Memory<byte> buffer, CancellationToken cancellationToken) =>
        Take(await pending.ConfigureAwait(false), buffer, cancellationToken);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask WritePendingAsync(ValueTask<FlushResult> pending, CancellationToken cancellationToken) =>
        Check(await pending.ConfigureAwait(false), cancellationToken);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask SendPendingAsync(ValueTask<int> sending) => await sending.ConfigureAwait(false);

    private int Take(ReadResult result, Memory<byte> buffer, CancellationToken cancellationToken)
    {
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

    private static void Check(FlushResult flushed, CancellationToken cancellationToken)
    {
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
