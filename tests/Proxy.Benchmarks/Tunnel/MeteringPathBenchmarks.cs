using BenchmarkDotNet.Attributes;
using Proxy.Gateway;
using Proxy.Tunnel;
using Proxy.Metering;
using Proxy.Sessions;

namespace Proxy.Benchmarks.Tunnel;

/// <summary>
/// Everything the proxy adds per frame to one direction of a tunnel, driven the way YARP's copy loop drives it: a
/// zero-byte read, a read into a 64 KB buffer and a write of what was read, through the session's two
/// <see cref="MeteredTunnelStream"/>s. Reading counts the bytes and parses them (meter, activity timestamps, text
/// sniffing); writing checks for frames the proxy wants to inject. The peers are in memory and complete at once, so
/// what is measured is the proxy's own work plus one memory copy of the frame (the socket's, in production).
/// One operation is one frame.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(FrameBenchmarkConfig))]
public class MeteringPathBenchmarks : FrameRunBenchmark, IDisposable
{
    // YARP's StreamCopier reads into buffers of this size.
    private const int CopyBufferBytes = 64 * 1024;

    private readonly byte[] _buffer = new byte[CopyBufferBytes];
    private int _wireBytes;
    private AgentSession _session = null!;
    private MeteredTunnelStream _clientSide = null!;
    private MeteredTunnelStream _upstreamSide = null!;
    private MeteredTunnelStream _source = null!;
    private MeteredTunnelStream _target = null!;

    [GlobalSetup]
    public void Setup()
    {
        var wire = BenchmarkFrames.Run(Frames, FrameCount);
        _wireBytes = wire.Length;
        var peer = new LoopingWireStream(wire, BenchmarkFrames.ReadLengths(Frames, Reads, wire.Length));
        var fromClient = BenchmarkFrames.IsFromClient(Frames);

        var time = TimeProvider.System;
        var identity = new SessionIdentity(Guid.CreateVersion7().ToString(), "customer", "key_bench", null, "bench", null);
        _session = new AgentSession(identity, time, new MeteringOptions().MaxInspectedSettingsBytes, new SessionPolicy(), new LimitsOptions().ClientFrameLimits());
        _session.OnUpstreamOpened(time.GetTimestamp(), time.GetUtcNow().ToUnixTimeMilliseconds());
        _clientSide = _session.Tunnel.Attach(TunnelSide.Client, fromClient ? peer : Stream.Null);
        _upstreamSide = _session.Tunnel.Attach(TunnelSide.Upstream, fromClient ? Stream.Null : peer);
        (_source, _target) = fromClient ? (_clientSide, _upstreamSide) : (_upstreamSide, _clientSide);

        // The steady state of a conversation: the Settings and the Welcome have gone by, so text capture is at its
        // small limit toward the upstream and off toward the client.
        _session.Tunnel.ClientParser.Parse(BenchmarkFrames.ClientText("""{"type":"Settings","audio":{"input":{"encoding":"linear16","sample_rate":16000}},"agent":{}}"""));
        _session.Tunnel.UpstreamParser.Parse(BenchmarkFrames.ServerText("""{"type":"Welcome","request_id":"fc553ec9-5874-49ca-a47c-b670d525a4b1"}"""));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        var meter = _session.Tunnel.MeterFor(_source == _clientSide ? TunnelSide.Client : TunnelSide.Upstream);
        if (_session.ProtocolError != FrameProtocolError.None || meter.Frames == 0 || _session.DeepgramRequestId is null)
        {
            throw new InvalidOperationException($"The session saw {meter.Frames} frames and stopped with {_session.ProtocolError}.");
        }
    }

    [Benchmark(OperationsPerInvoke = FrameCount)]
    public void CopyLoop()
    {
        var left = _wireBytes;
        while (left > 0)
        {
            _ = Completed(_source.ReadAsync(Memory<byte>.Empty));
            var read = Completed(_source.ReadAsync(_buffer));
            Completed(_target.WriteAsync(_buffer.AsMemory(0, read)));
            left -= read;
        }
    }

    public void Dispose()
    {
        _clientSide?.Dispose();
        _upstreamSide?.Dispose();
        _session?.Dispose();
        GC.SuppressFinalize(this);
    }

    private static T Completed<T>(ValueTask<T> task) =>
        task.IsCompletedSuccessfully ? task.Result : throw new InvalidOperationException("An in-memory read did not complete at once.");

    private static void Completed(ValueTask task)
    {
        if (!task.IsCompletedSuccessfully)
        {
            throw new InvalidOperationException("An in-memory write did not complete at once.");
        }

        task.GetAwaiter().GetResult();
    }
}
