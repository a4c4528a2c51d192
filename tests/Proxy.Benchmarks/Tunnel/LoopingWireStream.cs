using Proxy.Gateway;
using Proxy.Tunnel;

namespace Proxy.Benchmarks.Tunnel;

/// <summary>
/// A peer's connection in memory: reads hand out the same wire bytes over and over, in a fixed sequence of read
/// lengths, and complete at once; writes are dropped. It never reports end of stream, which would end the session.
/// </summary>
internal sealed class LoopingWireStream : ConnectionStream
{
    private readonly byte[] _wire;
    private readonly int[] _reads;
    private int _nextRead;
    private int _leftInRead;
    private int _offset;

    public LoopingWireStream(byte[] wire, int[] reads)
    {
        _wire = wire;
        _reads = reads;
    }

    public override int Read(Span<byte> buffer)
    {
        // A zero-byte read only waits for data, and there always is some.
        if (buffer.IsEmpty)
        {
            return 0;
        }

        if (_leftInRead == 0)
        {
            _leftInRead = _reads[_nextRead];
            _nextRead = _nextRead + 1 == _reads.Length ? 0 : _nextRead + 1;
        }

        var length = Math.Min(_leftInRead, buffer.Length);
        _wire.AsSpan(_offset, length).CopyTo(buffer);
        _leftInRead -= length;
        _offset += length;
        if (_offset == _wire.Length)
        {
            _offset = 0;
        }

        return length;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        new(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.CompletedTask;
}
