using Microsoft.Extensions.Time.Testing;
using Proxy.Gateway;
using Proxy.Tunnel;
using Proxy.Sessions;
using Proxy.Tests.Tunnel;
using static Proxy.Tests.Sessions.SessionFrames;

namespace Proxy.Tests.Sessions;

/// <summary>
/// The proxy's own words to a session with a tunnel (in-memory connections on both sides): Warnings, and the forced
/// close – Error and Close to the client, Close to the upstream, then an abort after the grace unless the upstream
/// connection ended.
/// </summary>
public sealed class AgentSessionProxyCloseTests : IDisposable
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    private readonly FakeTimeProvider _time = new(Start);
    private readonly AgentSession _session;
    private readonly RecordingStream _clientWire = new();
    private readonly RecordingStream _upstreamWire = new();
    private readonly TaskCompletionSource _aborted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _aborts;

    public AgentSessionProxyCloseTests()
    {
        _session = new AgentSession(Identity, _time, 1024, new SessionPolicy());
        _session.Tunnel.AttachAbort(() =>
        {
            Interlocked.Increment(ref _aborts);
            _aborted.TrySetResult();
        });
        MarkOpened(_session, _time);
    }

    private int Aborts => Volatile.Read(ref _aborts);

    public void Dispose() => _session.Dispose();

    [Fact]
    public async Task Warning_without_a_tunnel_is_not_sent()
    {
        Assert.False(await _session.SendWarningAsync(AgentControlMessages.IdleWarning, "soon"));
    }

    [Fact]
    public async Task Warning_is_a_json_text_frame_to_the_client_only()
    {
        var tunnel = AttachTunnel();

        Assert.True(await _session.SendWarningAsync(AgentControlMessages.IdleWarning, "closing \"soon\""));

        var client = ServerFrames(_clientWire.Written);
        Assert.Equal(["""{"type":"Warning","code":"SESSION_IDLE_WARNING","description":"closing \u0022soon\u0022"}"""], client.Texts.Select(t => t.Payload));
        Assert.Empty(_upstreamWire.Written);
    }

    [Fact]
    public async Task Warning_after_the_proxy_decided_to_close_is_not_sent()
    {
        _ = _session.CloseByProxyAsync(ProxyCloseRequests.AdminClosed, Grace);
        var tunnel = AttachTunnel();

        Assert.False(await _session.SendWarningAsync(AgentControlMessages.IdleWarning, "soon"));
        Assert.Empty(_clientWire.Written);
    }

    [Fact]
    public async Task Proxy_close_sends_error_and_close_to_the_client_and_close_1000_to_the_upstream()
    {
        var tunnel = AttachTunnel();

        var closing = _session.CloseByProxyAsync(ProxyCloseRequests.IdleTimeout(TimeSpan.FromSeconds(30)), Grace);
        Assert.False(closing.IsCompleted);

        var client = ServerFrames(_clientWire.Written);
        Assert.Equal(
            ["""{"type":"Error","code":"SESSION_IDLE_TIMEOUT","description":"No activity for 30 s: the session was closed so it stops being billed."}"""],
            client.Texts.Select(t => t.Payload));
        Assert.Equal([new CloseSeen(1000, "SESSION_IDLE_TIMEOUT")], client.Closes);
        var upstream = ClientFrames(_upstreamWire.Written);
        Assert.Equal([new CloseSeen(1000, "closed by proxy")], upstream.Closes);
        Assert.Single(upstream.Frames);

        // The upstream answers and its connection ends within the grace: no abort.
        _time.Advance(TimeSpan.FromMilliseconds(300));
        _session.OnEnded(TunnelSide.Upstream);
        await closing.WaitAsync(TimeSpan.FromSeconds(10));
        _time.Advance(Grace);
        Assert.Equal(0, Aborts);

        var record = _session.ToFinalRecord();
        Assert.Equal("idle_timeout", record.CloseReason);
        Assert.Equal(1000, record.CloseCode);
        Assert.Equal("proxy", record.CloseInitiator);
        Assert.Equal(300, record.DurationMs);
    }

    [Fact]
    public async Task Shutdown_closes_the_client_with_1012_and_the_upstream_with_1000()
    {
        var tunnel = AttachTunnel();

        var closing = _session.CloseByProxyAsync(ProxyCloseRequests.Shutdown, Grace);
        _session.OnEnded(TunnelSide.Upstream);
        await closing.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([new CloseSeen(1012, "SERVER_SHUTDOWN")], ServerFrames(_clientWire.Written).Closes);
        Assert.Equal([new CloseSeen(1000, "closed by proxy")], ClientFrames(_upstreamWire.Written).Closes);
        var record = _session.ToFinalRecord();
        Assert.Equal("shutdown", record.CloseReason);
        Assert.Equal(1012, record.CloseCode);
    }

    [Fact]
    public async Task Both_sides_are_sealed_after_the_proxy_close()
    {
        var tunnel = AttachTunnel();
        _ = _session.CloseByProxyAsync(ProxyCloseRequests.AdminClosed, Grace);
        var client = _clientWire.Written;
        var upstream = _upstreamWire.Written;

        var audioOut = FrameBuilder.Binary(960, masked: false);
        _session.Tunnel.UpstreamParser.Parse(audioOut);
        await tunnel.Client.WriteAsync(audioOut);
        var audioIn = FrameBuilder.Binary(320, masked: true);
        _session.Tunnel.ClientParser.Parse(audioIn);
        await tunnel.Upstream.WriteAsync(audioIn);

        Assert.Equal(client, _clientWire.Written);
        Assert.Equal(upstream, _upstreamWire.Written);
    }

    [Fact]
    public async Task Upstream_that_does_not_end_within_the_grace_is_aborted_once()
    {
        var tunnel = AttachTunnel();

        var closing = _session.CloseByProxyAsync(ProxyCloseRequests.AdminClosed, Grace);
        _time.Advance(Grace - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, Aborts);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        await closing.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, Aborts);

        await _session.CloseByProxyAsync(ProxyCloseRequests.Shutdown, Grace);
        Assert.Equal(1, Aborts);
        Assert.Same(ProxyCloseRequests.AdminClosed, _session.ProxyClose);
    }

    [Fact]
    public async Task A_client_breaking_the_protocol_gets_its_close_code_and_the_upstream_never_sees_the_bad_frame()
    {
        var tunnel = AttachTunnel();
        var unmasked = FrameBuilder.Binary(10, masked: false);
        _session.Tunnel.ClientParser.Parse(unmasked);
        await tunnel.Upstream.WriteAsync(unmasked);
        Assert.True(_session.Tunnel.ClientParser.IsFaulted);

        var closing = _session.CloseByProxyAsync(ProxyCloseRequests.ClientViolation(FrameProtocolError.MaskMismatch), Grace);
        _session.OnEnded(TunnelSide.Upstream);
        await closing.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([new CloseSeen(1002, "PROTOCOL_ERROR")], ServerFrames(_clientWire.Written).Closes);
        Assert.Empty(ServerFrames(_clientWire.Written).Texts);
        Assert.Equal(FrameBuilder.Close(1000, "closed by proxy", masked: false).Length + 4, _upstreamWire.Written.Length);
        Assert.Equal(0, Aborts);
        var record = _session.ToFinalRecord();
        Assert.Equal("client_error", record.CloseReason);
        Assert.Equal(1002, record.CloseCode);
        Assert.Equal("proxy", record.CloseInitiator);
    }

    [Theory]
    [InlineData(new byte[] { 0x03 })]
    [InlineData(new byte[] { 0x03, 0xEE })]
    [InlineData(new byte[] { 0x0B, 0xB7, 0x61 })]
    [InlineData(new byte[] { 0x03, 0xE8, 0xFF })]
    public async Task A_client_close_it_may_not_send_gets_1002_and_the_upstream_gets_the_proxys_close_instead(byte[] payload)
    {
        // 1-byte payload, 1006, 2999 (unassigned), a reason that is not UTF-8; cut after the header, as a read may be.
        var tunnel = AttachTunnel();
        _session.ProtocolViolation = ViolationClosesTheSession;
        var badClose = FrameBuilder.Frame((int)WebSocketOpcode.Close, payload, masked: true);
        var audio = FrameBuilder.Binary(10, masked: true);
        await FromClientThroughTunnel(tunnel, FrameBuilder.Concat(audio, badClose[..6]));
        await FromClientThroughTunnel(tunnel, badClose[6..]);

        await WaitForProxyCloseAsync();
        _session.OnEnded(TunnelSide.Upstream);

        Assert.Equal([new CloseSeen(1002, "PROTOCOL_ERROR")], ServerFrames(_clientWire.Written).Closes);
        // The audio before it went through; of the bad Close not a byte, the proxy's Close 1000 in its place.
        var upstream = ClientFrames(_upstreamWire.Written);
        Assert.Equal([WebSocketOpcode.Binary, WebSocketOpcode.Close], upstream.Frames.Select(f => f.FrameOpcode));
        Assert.Equal([new CloseSeen(1000, "closed by proxy")], upstream.Closes);
        Assert.Equal(audio, _upstreamWire.Written[..audio.Length]);
        var record = _session.ToFinalRecord();
        Assert.Equal("client_error", record.CloseReason);
        Assert.Equal(1002, record.CloseCode);
        Assert.Equal("proxy", record.CloseInitiator);
    }

    [Fact]
    public async Task An_upstream_close_it_may_not_send_gets_1002_and_the_client_gets_1014()
    {
        var tunnel = AttachTunnel();
        _session.ProtocolViolation = ViolationClosesTheSession;
        var welcome = UpstreamText(Welcome);
        var badClose = FrameBuilder.Close(1015, "tls", masked: false);
        FromUpstream(_session, FrameBuilder.Concat(welcome, badClose));
        await tunnel.Client.WriteAsync(FrameBuilder.Concat(welcome, badClose));

        await WaitForProxyCloseAsync();
        _session.OnEnded(TunnelSide.Upstream);

        var client = ServerFrames(_clientWire.Written);
        Assert.Equal([new CloseSeen(1014, "UPSTREAM_PROTOCOL_ERROR")], client.Closes);
        Assert.DoesNotContain(client.Closes, c => c.Code == 1015);
        Assert.Equal([new CloseSeen(1002, "closed by proxy")], ClientFrames(_upstreamWire.Written).Closes);
        var record = _session.ToFinalRecord();
        Assert.Equal("upstream_error", record.CloseReason);
        Assert.Equal(1014, record.CloseCode);
        Assert.Equal("proxy", record.CloseInitiator);
    }

    [Fact]
    public async Task A_peers_close_that_came_first_is_not_answered_with_the_proxys_frames()
    {
        var tunnel = AttachTunnel();
        var close = FrameBuilder.Close(1000, string.Empty, masked: false);
        FromUpstream(_session, close);
        await tunnel.Client.WriteAsync(close);

        var closing = _session.CloseByProxyAsync(ProxyCloseRequests.IdleTimeout(TimeSpan.FromSeconds(30)), Grace);
        _session.OnEnded(TunnelSide.Upstream);
        await closing.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(close, _clientWire.Written);
        Assert.Empty(_upstreamWire.Written);
        Assert.Equal(0, Aborts);
        Assert.Equal("upstream_closed", _session.ToFinalRecord().CloseReason);
    }

    [Fact]
    public async Task A_tunnel_that_ended_is_not_closed_again()
    {
        var tunnel = AttachTunnel();
        _session.MarkTunnelEnded();

        await _session.CloseByProxyAsync(ProxyCloseRequests.AdminClosed, Grace);

        Assert.Null(_session.ProxyClose);
        Assert.Equal(0, Aborts);
        Assert.Empty(_clientWire.Written);
    }

    [Fact]
    public async Task Proxy_close_waits_for_the_message_in_flight_to_end()
    {
        var tunnel = AttachTunnel();
        var audio = FrameBuilder.Binary(4800, masked: false);
        _session.Tunnel.UpstreamParser.Parse(audio.AsSpan(0, 100));
        await tunnel.Client.WriteAsync(audio.AsMemory(0, 100));

        var closing = _session.CloseByProxyAsync(ProxyCloseRequests.MaxDuration(TimeSpan.FromMinutes(115)), Grace);
        Assert.Equal(audio[..100], _clientWire.Written);

        _time.Advance(TimeSpan.FromMilliseconds(500));
        _session.Tunnel.UpstreamParser.Parse(audio.AsSpan(100));
        await tunnel.Client.WriteAsync(audio.AsMemory(100));

        var client = ServerFrames(_clientWire.Written);
        Assert.Equal(
            ["""{"type":"Error","code":"SESSION_MAX_DURATION","description":"The session reached its maximum duration of 1.92 h."}"""],
            client.Texts.Select(t => t.Payload));
        Assert.Equal([new CloseSeen(1000, "SESSION_MAX_DURATION")], client.Closes);
        _session.OnEnded(TunnelSide.Upstream);
        await closing.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, Aborts);
    }

    [Fact]
    public async Task A_close_that_cannot_be_injected_within_the_grace_aborts_the_session()
    {
        var tunnel = AttachTunnel();

        // The client stalls in the middle of an audio frame: the upstream's Close can never go between two messages.
        var audio = FrameBuilder.Binary(3200, masked: true);
        _session.Tunnel.ClientParser.Parse(audio.AsSpan(0, 1000));
        await tunnel.Upstream.WriteAsync(audio.AsMemory(0, 1000));

        var closing = _session.CloseByProxyAsync(ProxyCloseRequests.IdleTimeout(TimeSpan.FromSeconds(30)), Grace);
        Assert.False(closing.IsCompleted);
        _time.Advance(Grace);

        // Expected: the close completes and both connections are aborted. Actual: TimeoutException, no abort.
        await closing.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, Aborts);
    }

    [Fact]
    public async Task No_warning_is_sent_after_the_upstreams_close_went_to_the_client()
    {
        var tunnel = AttachTunnel();
        var close = FrameBuilder.Close(1011, "internal error", masked: false);
        FromUpstream(_session, close);
        await tunnel.Client.WriteAsync(close);

        var sent = await _session.SendWarningAsync(AgentControlMessages.IdleWarning, "soon");

        Assert.False(sent);
        Assert.Equal(close, _clientWire.Written);
    }

    /// <summary>What the agent handler does with a violation: the session is closed with the violation's request.</summary>
    private void ViolationClosesTheSession(AgentSession session, TunnelSide from, FrameProtocolError error) =>
        _ = session.CloseByProxyAsync(
            from == TunnelSide.Client ? ProxyCloseRequests.ClientViolation(error) : ProxyCloseRequests.UpstreamViolation(error),
            Grace);

    private async Task FromClientThroughTunnel(Tunnel tunnel, byte[] chunk)
    {
        FromClient(_session, chunk);
        await tunnel.Upstream.WriteAsync(chunk);
    }

    private async Task WaitForProxyCloseAsync()
    {
        for (var i = 0; i < 200 && _session.ProxyClose is null; i++)
        {
            await Task.Delay(10);
        }

        Assert.NotNull(_session.ProxyClose);
    }

    private Tunnel AttachTunnel() => new(
        _session.Tunnel.Attach(TunnelSide.Client, _clientWire),
        _session.Tunnel.Attach(TunnelSide.Upstream, _upstreamWire));

    private static RecordingObserver ServerFrames(byte[] bytes) => Frames(bytes, masked: false);

    private static RecordingObserver ClientFrames(byte[] bytes) => Frames(bytes, masked: true);

    private static RecordingObserver Frames(byte[] bytes, bool masked)
    {
        using var harness = new ParserHarness(clientToServer: masked).Feed(bytes);
        Assert.Empty(harness.Observer.Errors);
        Assert.True(harness.Parser.AtMessageBoundary);
        return harness.Observer;
    }

    /// <summary>The two tunnel streams. Not disposed: disposing marks a side ended, which the tests do themselves.</summary>
    private sealed record Tunnel(MeteredTunnelStream Client, MeteredTunnelStream Upstream);
}
