using BenchmarkDotNet.Attributes;
using Proxy.Gateway;
using Proxy.Tunnel;

namespace Proxy.Benchmarks.Tunnel;

/// <summary>
/// The frame parser alone over a run of identical frames, in the reads a copy loop gets from the socket. One
/// operation is one frame, so the mean is the time per frame and the allocation column is bytes per frame. Client
/// frames are parsed under the production client limits (sizes checked, text validated as UTF-8).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(FrameBenchmarkConfig))]
public class FrameParserBenchmarks : FrameRunBenchmark, IDisposable
{
    private byte[] _wire = [];
    private int[] _reads = [];
    private CountingObserver _observer = null!;
    private WebSocketFrameParser _parser = null!;

    [GlobalSetup]
    public void Setup()
    {
        _wire = BenchmarkFrames.Run(Frames, FrameCount);
        _reads = BenchmarkFrames.ReadLengths(Frames, Reads, _wire.Length);
        _observer = new CountingObserver();
        var fromClient = BenchmarkFrames.IsFromClient(Frames);
        _parser = new WebSocketFrameParser(
            _observer,
            expectMasked: fromClient,
            fromClient ? new LimitsOptions().ClientFrameLimits() : FrameLimits.None);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        // A parser that stopped on a protocol error would have measured nothing: fail the run instead.
        if (_parser.IsFaulted || _observer.Frames == 0)
        {
            throw new InvalidOperationException($"The parser saw {_observer.Frames} frames and stopped with {_parser.Error}.");
        }
    }

    [Benchmark(OperationsPerInvoke = FrameCount)]
    public void Parse()
    {
        ReadOnlySpan<byte> wire = _wire;
        var offset = 0;
        foreach (var length in _reads)
        {
            _parser.Parse(wire.Slice(offset, length));
            offset += length;
        }
    }

    public void Dispose()
    {
        _parser?.Dispose();
        GC.SuppressFinalize(this);
    }
}
