using Microsoft.Extensions.Time.Testing;
using Proxy.Gateway;
using Proxy.Tunnel;
using Proxy.Sessions;
using Proxy.Tests.Sessions;

namespace Proxy.Tests.Tunnel;

/// <summary>
/// What a tunnel side sees of its connection (through <see cref="MeteredTunnelStream"/>, the observed stream the
/// tunnel uses): reads are passed on untouched, counted and parsed; the end of the connection – end of stream, an
/// I/O error, disposal – marks the side ended, a cancelled read does not.
/// </summary>
public sealed class ObservedStreamTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(SessionFrames.Start);
    private readonly AgentSession _session;

    public ObservedStreamTests()
    {
        _session = new AgentSession(SessionFrames.Identity, _time, 1024, new SessionPolicy());
        SessionFrames.MarkOpened(_session, _time);
    }

    public void Dispose() => _session.Dispose();

    [Fact]
    public async Task Reads_pass_the_bytes_on_and_meter_and_parse_them()
    {
        var keepAlive = SessionFrames.ClientText(SessionFrames.KeepAlive);
        var audio = FrameBuilder.Binary(320, masked: true);
        var wire = new RecordingStream(keepAlive[..5], keepAlive[5..], audio);
        using var stream = _session.Tunnel.Attach(TunnelSide.Client, wire);

        var received = new List<byte>();
        var buffer = new byte[4096];
        for (var i = 0; i < 3; i++)
        {
            var read = await stream.ReadAsync(buffer);
            received.AddRange(buffer.AsSpan(0, read).ToArray());
        }

        Assert.Equal(FrameBuilder.Concat(keepAlive, audio), received);
        Assert.Equal(keepAlive.Length + audio.Length, _session.Inbound.Bytes);
        Assert.Equal(2, _session.Inbound.Frames);
        Assert.Equal(320, _session.Inbound.BinaryPayloadBytes);
        Assert.Equal(1, _session.KeepAlives);
        Assert.Equal(0, _session.Outbound.Bytes);
    }

    [Fact]
    public void Synchronous_reads_are_observed_too()
    {
        var welcome = SessionFrames.UpstreamText(SessionFrames.Welcome);
        using var stream = _session.Tunnel.Attach(TunnelSide.Upstream, new RecordingStream(welcome));

        var buffer = new byte[256];
        var read = stream.Read(buffer, 0, buffer.Length);

        Assert.Equal(welcome.Length, read);
        Assert.Equal(welcome.Length, _session.Outbound.Bytes);
        Assert.Equal("fc553ec9-5874-49ca-a47c-b670d525a4b1", _session.DeepgramRequestId);
    }

    [Fact]
    public async Task End_of_stream_marks_the_side_ended_at_that_instant()
    {
        using var stream = _session.Tunnel.Attach(TunnelSide.Upstream, new RecordingStream());
        _time.Advance(TimeSpan.FromMilliseconds(1234));

        Assert.Equal(0, await stream.ReadAsync(new byte[16]));

        _time.Advance(TimeSpan.FromSeconds(5));
        var record = _session.ToFinalRecord();
        Assert.Equal(1234, record.DurationMs);
        Assert.Equal(SessionFrames.StartMs + 1234, record.UpstreamClosedAtMs);
        Assert.Equal("upstream_error", record.CloseReason);
    }

    [Fact]
    public async Task A_zero_byte_read_into_an_empty_buffer_only_waits_and_is_not_an_end()
    {
        using var stream = _session.Tunnel.Attach(TunnelSide.Client, new RecordingStream());

        Assert.Equal(0, await stream.ReadAsync(Memory<byte>.Empty));
        Assert.Equal(0, stream.Read([], 0, 0));

        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(SessionFrames.StartMs + 3000, _session.ToFinalRecord().ClientClosedAtMs);
    }

    [Fact]
    public async Task A_read_error_marks_the_side_ended_and_is_rethrown()
    {
        var wire = new RecordingStream { ReadFailure = new IOException("connection reset") };
        using var stream = _session.Tunnel.Attach(TunnelSide.Client, wire);
        _time.Advance(TimeSpan.FromMilliseconds(500));

        await Assert.ThrowsAsync<IOException>(async () => _ = await stream.ReadAsync(new byte[16]));

        _time.Advance(TimeSpan.FromSeconds(5));
        var record = _session.ToFinalRecord();
        Assert.Equal(SessionFrames.StartMs + 500, record.ClientClosedAtMs);
        Assert.Equal("client_error", record.CloseReason);
    }

    [Fact]
    public async Task A_cancelled_read_is_not_an_end()
    {
        using var stream = _session.Tunnel.Attach(TunnelSide.Client, new RecordingStream());
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => _ = await stream.ReadAsync(new byte[16], cancelled.Token));

        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(SessionFrames.StartMs + 2000, _session.ToFinalRecord().ClientClosedAtMs);
    }

    [Fact]
    public async Task A_cancellation_the_caller_did_not_ask_for_is_an_end()
    {
        var wire = new RecordingStream { ReadFailure = new OperationCanceledException("aborted underneath") };
        using var stream = _session.Tunnel.Attach(TunnelSide.Client, wire);

        await Assert.ThrowsAsync<OperationCanceledException>(async () => _ = await stream.ReadAsync(new byte[16]));

        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(SessionFrames.StartMs, _session.ToFinalRecord().ClientClosedAtMs);
    }

    [Fact]
    public async Task A_write_error_marks_the_side_ended_and_is_rethrown()
    {
        var wire = new RecordingStream { WriteFailure = new IOException("broken pipe") };
        using var stream = _session.Tunnel.Attach(TunnelSide.Upstream, wire);
        _time.Advance(TimeSpan.FromMilliseconds(700));
        var keepAlive = SessionFrames.ClientText(SessionFrames.KeepAlive);
        _session.Tunnel.ClientParser.Parse(keepAlive);

        await Assert.ThrowsAsync<IOException>(async () => await stream.WriteAsync(keepAlive));

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(700, _session.ToFinalRecord().DurationMs);
    }

    [Fact]
    public async Task Disposal_marks_the_side_ended_and_disposes_the_connection()
    {
        var wire = new RecordingStream();
        var stream = _session.Tunnel.Attach(TunnelSide.Upstream, wire);
        _time.Advance(TimeSpan.FromMilliseconds(250));

        await stream.DisposeAsync();

        Assert.True(wire.Disposed);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(250, _session.ToFinalRecord().DurationMs);
    }

    [Fact]
    public void Synchronous_disposal_marks_the_side_ended_too()
    {
        var wire = new RecordingStream();
        var stream = _session.Tunnel.Attach(TunnelSide.Client, wire);
        _time.Advance(TimeSpan.FromMilliseconds(40));

        stream.Dispose();

        Assert.True(wire.Disposed);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(SessionFrames.StartMs + 40, _session.ToFinalRecord().ClientClosedAtMs);
    }

    [Fact]
    public void It_is_a_forward_only_stream_with_the_connections_directions()
    {
        using var stream = _session.Tunnel.Attach(TunnelSide.Client, new RecordingStream());

        Assert.True(stream.CanRead);
        Assert.True(stream.CanWrite);
        Assert.False(stream.CanSeek);
        Assert.Throws<NotSupportedException>(() => stream.Length);
        Assert.Throws<NotSupportedException>(() => stream.Position);
        Assert.Throws<NotSupportedException>(() => stream.Seek(0, SeekOrigin.Begin));
        Assert.Throws<NotSupportedException>(() => stream.SetLength(1));
        stream.Flush();
    }
}
