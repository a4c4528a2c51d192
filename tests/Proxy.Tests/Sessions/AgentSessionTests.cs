using Microsoft.Extensions.Time.Testing;
using Proxy.Gateway;
using Proxy.Tunnel;
using Proxy.Metering;
using Proxy.Sessions;
using Proxy.Tests.Tunnel;
using static Proxy.Tests.Sessions.SessionFrames;

namespace Proxy.Tests.Sessions;

public sealed class AgentSessionTests
{
    private const int SettingsLimit = 256 * 1024;

    private readonly FakeTimeProvider _time = new(Start);

    [Fact]
    public void Client_closing_first_gives_the_full_record()
    {
        using var session = NewSession();
        _time.Advance(TimeSpan.FromMilliseconds(7));
        OpenUpstream(session);

        var bytesOut = FromUpstream(session, UpstreamText(Welcome));
        var bytesIn = FromClient(session, ClientText(Settings));
        bytesOut += FromUpstream(session, UpstreamText("""{"type":"SettingsApplied"}"""));
        bytesIn += FromClient(session, FrameBuilder.Binary(3200, masked: true), FrameBuilder.Binary(3200, masked: true));
        _time.Advance(TimeSpan.FromMilliseconds(150));
        bytesIn += FromClient(session, ClientText(KeepAlive));
        bytesOut += FromUpstream(session, FrameBuilder.Binary(4800, masked: false));
        _time.Advance(TimeSpan.FromMilliseconds(50));
        bytesIn += FromClient(session, FrameBuilder.Close(1000, "done", masked: true));
        bytesOut += FromUpstream(session, FrameBuilder.Close(1000, string.Empty, masked: false));
        session.OnEnded(TunnelSide.Upstream);
        _time.Advance(TimeSpan.FromMilliseconds(3));
        session.OnEnded(TunnelSide.Client);

        var record = session.ToFinalRecord();

        Assert.Equal(["support", "eu"], record.Tags);
        Assert.Equal(["listen:nova-3", "think:gpt-4o-mini", "speak:aura-2-thalia-en"], record.ModelsSeen);
        Assert.Equal(
            new SessionRecord
            {
                SessionId = Identity.SessionId,
                ClientSessionId = "client-corr-42",
                CustomerId = "acme",
                KeyId = Identity.KeyId,
                Credential = "key",
                PlanId = "plan_basic",
                InstanceId = "proxy-a",
                DeepgramRequestId = "fc553ec9-5874-49ca-a47c-b670d525a4b1",
                AgentConfigId = null,
                ClientOpenedAtMs = StartMs,
                UpstreamOpenedAtMs = StartMs + 7,
                UpstreamClosedAtMs = StartMs + 207,
                ClientClosedAtMs = StartMs + 210,
                DurationMs = 200,
                BillableMs = 1000,
                CloseReason = "client_closed",
                CloseCode = 1000,
                CloseInitiator = "client",
                UpstreamStatus = null,
                FramesIn = 5,
                FramesOut = 4,
                BytesIn = bytesIn,
                BytesOut = bytesOut,
                AudioMsIn = 200,

                // 4800 bytes of 24 kHz linear16 (the Settings' audio.output).
                AudioMsOut = 100,
                UserChars = 0,
                AssistantChars = 0,
                ListenModel = "nova-3",
                ThinkProvider = "open_ai",
                ThinkModel = "gpt-4o-mini",
                SpeakProvider = "deepgram",
                SpeakModel = "aura-2-thalia-en",
                ModelsSeen = record.ModelsSeen,
                Tags = record.Tags,
                Status = "closed",
                LastSeenMs = StartMs + 210,

                // The policy's idle mode here is audio: the KeepAlive at +157 ms is not activity.
                LastActivityMs = StartMs + 7,
                Estimated = false,
            },
            record);
        Assert.Equal(1, session.KeepAlives);
    }

    [Fact]
    public void Byte_counts_are_wire_bytes_including_headers()
    {
        using var session = NewSession();
        OpenUpstream(session);

        // Masked client frames: 2 + 4 header bytes up to 125, 2 + 2 + 4 up to 65535, 2 + 8 + 4 above.
        FromClient(session, ClientText(KeepAlive), FrameBuilder.Binary(3200, masked: true), FrameBuilder.Binary(70_000, masked: true));

        // Unmasked upstream frames: 2 and 4 header bytes.
        FromUpstream(session, UpstreamText(Welcome), FrameBuilder.Binary(1000, masked: false));

        var record = session.ToFinalRecord();
        Assert.Equal((6 + 20) + (8 + 3200) + (14 + 70_000), record.BytesIn);
        Assert.Equal((2 + Welcome.Length) + (4 + 1000), record.BytesOut);
        Assert.Equal(3, record.FramesIn);
        Assert.Equal(2, record.FramesOut);
    }

    [Fact]
    public void Duration_comes_from_the_monotonic_clock_not_wall_time()
    {
        var clock = new SplitClock(Start);
        using var session = new AgentSession(Identity, clock, SettingsLimit, new SessionPolicy());
        MarkOpened(session, clock);

        // The wall clock is stepped an hour ahead while 200 ms really pass.
        clock.AdvanceWall(TimeSpan.FromHours(1));
        clock.AdvanceMonotonic(TimeSpan.FromMilliseconds(200));
        session.OnEnded(TunnelSide.Upstream);

        var record = session.ToFinalRecord();

        Assert.Equal(200, record.DurationMs);
        Assert.Equal(1000, record.BillableMs);
        Assert.Equal(StartMs, record.UpstreamOpenedAtMs);
        Assert.Equal(StartMs + 3_600_000, record.UpstreamClosedAtMs);
    }

    [Fact]
    public void Duration_ignores_a_wall_clock_stepped_backwards()
    {
        var clock = new SplitClock(Start);
        using var session = new AgentSession(Identity, clock, SettingsLimit, new SessionPolicy());
        MarkOpened(session, clock);
        clock.AdvanceWall(TimeSpan.FromSeconds(-30));
        clock.AdvanceMonotonic(TimeSpan.FromMilliseconds(61_234.4));
        session.OnEnded(TunnelSide.Upstream);

        Assert.Equal(61_234, session.ToFinalRecord().DurationMs);
    }

    [Fact]
    public void Upstream_closing_first_is_upstream_closed_with_its_code()
    {
        using var session = OpenedSession();
        FromUpstream(session, FrameBuilder.Close(1011, "internal", masked: false));
        FromClient(session, FrameBuilder.Close(1000, string.Empty, masked: true));
        session.OnEnded(TunnelSide.Client);
        session.OnEnded(TunnelSide.Upstream);

        var record = session.ToFinalRecord();

        Assert.Equal("upstream_closed", record.CloseReason);
        Assert.Equal(1011, record.CloseCode);
        Assert.Equal("upstream", record.CloseInitiator);
    }

    [Fact]
    public void Client_closing_first_keeps_the_client_code_when_the_upstream_answers_differently()
    {
        using var session = OpenedSession();
        FromClient(session, FrameBuilder.Close(4000, "app", masked: true));
        FromUpstream(session, FrameBuilder.Close(1000, string.Empty, masked: false));

        var record = session.ToFinalRecord();

        Assert.Equal("client_closed", record.CloseReason);
        Assert.Equal(4000, record.CloseCode);
        Assert.Equal("client", record.CloseInitiator);
    }

    [Theory]
    [InlineData(1005)]
    [InlineData(1006)]
    [InlineData(1015)]
    [InlineData(2999)]
    [InlineData(999)]
    public void A_client_close_with_a_code_it_may_not_send_is_never_the_records_code(int code)
    {
        using var session = NewSession();
        OpenUpstream(session);
        var violations = new List<(TunnelSide, FrameProtocolError)>();
        session.ProtocolViolation = (_, side, error) => violations.Add((side, error));

        var close = FrameBuilder.Close(code, "x", masked: true);
        FromClient(session, close[..4], close[4..]);

        // The violation is the proxy's to answer (Close 1002); were the client to drop now, no Close was seen.
        Assert.Equal([(TunnelSide.Client, FrameProtocolError.InvalidCloseCode)], violations);
        session.OnEnded(TunnelSide.Client);
        var record = session.ToFinalRecord();
        Assert.Equal("client_error", record.CloseReason);
        Assert.Equal(1006, record.CloseCode);
        Assert.Equal("none", record.CloseInitiator);
    }

    [Fact]
    public void An_upstream_close_with_a_one_byte_payload_is_a_violation_not_an_upstream_close()
    {
        using var session = OpenedSession();
        var violations = new List<(TunnelSide, FrameProtocolError)>();
        session.ProtocolViolation = (_, side, error) => violations.Add((side, error));

        FromUpstream(session, FrameBuilder.Frame((int)WebSocketOpcode.Close, [0x03], masked: false));
        session.OnEnded(TunnelSide.Upstream);

        Assert.Equal([(TunnelSide.Upstream, FrameProtocolError.TruncatedCloseCode)], violations);
        var record = session.ToFinalRecord();
        Assert.Equal("upstream_error", record.CloseReason);
        Assert.Equal(1006, record.CloseCode);
        Assert.Equal("none", record.CloseInitiator);
    }

    [Fact]
    public void An_empty_client_close_is_recorded_as_1005_no_status_received()
    {
        using var session = OpenedSession();
        FromClient(session, FrameBuilder.Close(null, string.Empty, masked: true));
        FromUpstream(session, FrameBuilder.Close(null, string.Empty, masked: false));

        var record = session.ToFinalRecord();

        Assert.Equal("client_closed", record.CloseReason);
        Assert.Equal(1005, record.CloseCode);
        Assert.Equal("client", record.CloseInitiator);
    }

    [Fact]
    public void Client_dropping_without_close_first_is_a_client_error()
    {
        using var session = OpenedSession();
        _time.Advance(TimeSpan.FromMilliseconds(1500));
        session.OnEnded(TunnelSide.Client);
        _time.Advance(TimeSpan.FromMilliseconds(20));
        session.OnEnded(TunnelSide.Upstream);

        var record = session.ToFinalRecord();

        Assert.Equal("client_error", record.CloseReason);
        Assert.Equal(1006, record.CloseCode);
        Assert.Equal("none", record.CloseInitiator);
        Assert.Equal(1520, record.DurationMs);
        Assert.Equal(StartMs + 1500, record.ClientClosedAtMs);
        Assert.Equal(StartMs + 1520, record.UpstreamClosedAtMs);
    }

    [Fact]
    public void Upstream_dropping_without_close_first_is_an_upstream_error()
    {
        using var session = OpenedSession();
        _time.Advance(TimeSpan.FromMilliseconds(300));
        session.OnEnded(TunnelSide.Upstream);
        _time.Advance(TimeSpan.FromMilliseconds(5));
        session.OnEnded(TunnelSide.Client);

        var record = session.ToFinalRecord();

        Assert.Equal("upstream_error", record.CloseReason);
        Assert.Equal(1006, record.CloseCode);
        Assert.Equal("none", record.CloseInitiator);
        Assert.Equal(300, record.DurationMs);
    }

    [Fact]
    public void Close_without_a_status_code_records_1005()
    {
        using var session = OpenedSession();
        FromClient(session, FrameBuilder.Close(null, string.Empty, masked: true));

        var record = session.ToFinalRecord();

        Assert.Equal(1005, record.CloseCode);
        Assert.Equal("client", record.CloseInitiator);
        Assert.Equal("client_closed", record.CloseReason);
    }

    [Fact]
    public void Upstream_refusing_the_upgrade_is_not_billed()
    {
        using var session = NewSession();
        _time.Advance(TimeSpan.FromMilliseconds(80));
        session.OnUpstreamRefused(401);
        session.OnEnded(TunnelSide.Client);

        var record = session.ToFinalRecord();

        Assert.Equal(401, session.UpstreamStatus);
        Assert.False(session.UpstreamOpened);
        Assert.Equal("upstream_error", record.CloseReason);
        Assert.Equal(0, record.BillableMs);
        Assert.Null(record.DurationMs);
        Assert.Equal(401, record.UpstreamStatus);
        Assert.Null(record.CloseCode);
        Assert.Equal("none", record.CloseInitiator);
        Assert.Null(record.UpstreamOpenedAtMs);
        Assert.Null(record.UpstreamClosedAtMs);
        Assert.Equal(StartMs + 80, record.ClientClosedAtMs);
        Assert.Equal(StartMs + 80, record.LastSeenMs);
        Assert.Equal("closed", record.Status);
    }

    [Fact]
    public async Task A_proxy_close_before_the_tunnel_exists_aborts_once_and_gives_its_reason()
    {
        using var session = OpenedSession();
        var aborts = 0;
        session.Tunnel.AttachAbort(() => aborts++);

        await session.CloseByProxyAsync(ProxyCloseRequests.Shutdown, TimeSpan.FromSeconds(1));
        await session.CloseByProxyAsync(ProxyCloseRequests.AdminClosed, TimeSpan.FromSeconds(1));
        _time.Advance(TimeSpan.FromMilliseconds(10));
        session.OnEnded(TunnelSide.Upstream);
        session.OnEnded(TunnelSide.Client);

        var record = session.ToFinalRecord();

        Assert.Equal(1, aborts);
        Assert.Same(ProxyCloseRequests.Shutdown, session.ProxyClose);
        Assert.Equal("shutdown", record.CloseReason);
        Assert.Equal(1006, record.CloseCode);
        Assert.Equal("none", record.CloseInitiator);
        Assert.Equal(10, record.DurationMs);
    }

    [Fact]
    public async Task A_peers_close_that_came_first_keeps_its_reason_over_a_later_proxy_close()
    {
        using var session = OpenedSession();
        FromUpstream(session, FrameBuilder.Close(1001, "going away", masked: false));
        await session.CloseByProxyAsync(ProxyCloseRequests.Shutdown, TimeSpan.FromMilliseconds(1));

        var record = session.ToFinalRecord();

        Assert.Equal("upstream_closed", record.CloseReason);
        Assert.Equal(1001, record.CloseCode);
        Assert.Equal("upstream", record.CloseInitiator);
    }

    [Fact]
    public void Only_the_first_end_of_each_side_counts()
    {
        using var session = OpenedSession();
        _time.Advance(TimeSpan.FromMilliseconds(100));
        session.OnEnded(TunnelSide.Upstream);
        session.OnEnded(TunnelSide.Client);
        _time.Advance(TimeSpan.FromMilliseconds(900));
        session.OnEnded(TunnelSide.Upstream);
        session.OnEnded(TunnelSide.Client);

        var record = session.ToFinalRecord();

        Assert.Equal(100, record.DurationMs);
        Assert.Equal(StartMs + 100, record.UpstreamClosedAtMs);
        Assert.Equal(StartMs + 100, record.ClientClosedAtMs);
        Assert.Equal("upstream_error", record.CloseReason);
    }

    [Fact]
    public void Final_record_ends_sides_that_never_reported_their_end_now()
    {
        using var session = OpenedSession();
        _time.Advance(TimeSpan.FromMilliseconds(2500));

        var record = session.ToFinalRecord();

        Assert.Equal(2500, record.DurationMs);
        Assert.Equal(StartMs + 2500, record.UpstreamClosedAtMs);
        Assert.Equal(StartMs + 2500, record.ClientClosedAtMs);
    }

    [Fact]
    public void Open_record_has_no_end_and_no_durations()
    {
        using var session = NewSession();
        _time.Advance(TimeSpan.FromMilliseconds(12));
        OpenUpstream(session);
        FromUpstream(session, UpstreamText(Welcome));
        var bytesIn = FromClient(session, ClientText(Settings));
        _time.Advance(TimeSpan.FromMilliseconds(30));

        var record = session.ToOpenRecord();

        Assert.Equal("open", record.Status);
        Assert.Equal(StartMs, record.ClientOpenedAtMs);
        Assert.Equal(StartMs + 12, record.UpstreamOpenedAtMs);
        Assert.Equal(StartMs + 12, record.LastSeenMs);
        Assert.Null(record.UpstreamClosedAtMs);
        Assert.Null(record.ClientClosedAtMs);
        Assert.Null(record.DurationMs);
        Assert.Null(record.BillableMs);
        Assert.Null(record.CloseReason);
        Assert.Null(record.CloseCode);
        Assert.Null(record.CloseInitiator);
        Assert.Null(record.UpstreamStatus);
        Assert.Equal("fc553ec9-5874-49ca-a47c-b670d525a4b1", record.DeepgramRequestId);
        Assert.Equal("nova-3", record.ListenModel);
        Assert.Equal(1, record.FramesIn);
        Assert.Equal(bytesIn, record.BytesIn);
        Assert.Equal(Identity.ClientSessionId, record.ClientSessionId);

        // Taking the open record ends nothing: the final record still measures up to the real end.
        _time.Advance(TimeSpan.FromMilliseconds(470));
        session.OnEnded(TunnelSide.Upstream);
        Assert.Equal(500, session.ToFinalRecord().DurationMs);
    }

    [Fact]
    public void Request_id_comes_from_the_upstream_welcome()
    {
        using var session = OpenedSession();
        FromUpstream(session, UpstreamText(Welcome));

        Assert.Equal("fc553ec9-5874-49ca-a47c-b670d525a4b1", session.DeepgramRequestId);
        Assert.Equal("fc553ec9-5874-49ca-a47c-b670d525a4b1", session.ToFinalRecord().DeepgramRequestId);
    }

    [Fact]
    public void Welcome_split_over_reads_and_fragments_is_still_read()
    {
        using var session = OpenedSession();
        var stream = FrameBuilder.Concat(
            FrameBuilder.Text(Welcome[..10], masked: false, fin: false),
            FrameBuilder.Ping(string.Empty, masked: false),
            FrameBuilder.Continuation(Welcome[10..], masked: false, fin: true));

        for (var i = 0; i < stream.Length; i++)
        {
            FromUpstream(session, stream[i..(i + 1)]);
        }

        Assert.Equal("fc553ec9-5874-49ca-a47c-b670d525a4b1", session.DeepgramRequestId);
    }

    [Fact]
    public void Only_the_first_request_id_is_kept()
    {
        using var session = OpenedSession();
        FromUpstream(session, UpstreamText("""{"type":"Welcome","request_id":"first"}"""), UpstreamText("""{"type":"Welcome","request_id":"second"}"""));

        Assert.Equal("first", session.DeepgramRequestId);
    }

    [Fact]
    public void A_welcome_sent_by_the_client_is_ignored()
    {
        using var session = OpenedSession();
        FromClient(session, ClientText("""{"type":"Welcome","request_id":"spoofed"}"""));

        Assert.Null(session.DeepgramRequestId);
    }

    [Fact]
    public void Welcome_longer_than_the_small_capture_limit_is_not_read()
    {
        using var session = OpenedSession();
        var padded = """{"type":"Welcome","request_id":"r","pad":" """ + new string('x', 600) + "\"}";
        FromUpstream(session, UpstreamText(padded));

        Assert.Null(session.DeepgramRequestId);
    }

    [Fact]
    public void Models_and_tags_come_from_the_client_settings()
    {
        using var session = OpenedSession();
        FromClient(session, ClientText(Settings));

        var record = session.ToFinalRecord();

        Assert.Equal("nova-3", record.ListenModel);
        Assert.Equal("open_ai", record.ThinkProvider);
        Assert.Equal("gpt-4o-mini", record.ThinkModel);
        Assert.Equal("aura-2-thalia-en", record.SpeakModel);
        Assert.Equal(["support", "eu"], record.Tags);
        Assert.True(session.Settings?.Readable);
    }

    [Fact]
    public void Fragmented_settings_split_over_reads_are_read()
    {
        using var session = OpenedSession();
        var frames = FrameBuilder.Concat(
            FrameBuilder.Text(Settings[..40], masked: true, fin: false),
            FrameBuilder.Ping("k", masked: true),
            FrameBuilder.Continuation(Settings[40..200], masked: true, fin: false),
            FrameBuilder.Continuation(Settings[200..], masked: true, fin: true));

        FromClient(session, frames[..3], frames[3..57], frames[57..]);

        var record = session.ToFinalRecord();
        Assert.Equal("nova-3", record.ListenModel);
        Assert.Equal("gpt-4o-mini", record.ThinkModel);
        Assert.Equal(["support", "eu"], record.Tags);
        Assert.Equal(4, record.FramesIn);
    }

    [Fact]
    public void Settings_with_agent_configuration_id_is_recorded()
    {
        using var session = OpenedSession();
        FromClient(session, ClientText("""{"type":"Settings","agent":"cfg-123"}"""));

        Assert.Equal("cfg-123", session.ToFinalRecord().AgentConfigId);
    }

    [Fact]
    public void Only_the_first_settings_count()
    {
        using var session = OpenedSession();
        FromClient(
            session,
            ClientText(Settings),
            ClientText("""{"type":"Settings","agent":{"listen":{"provider":{"model":"nova-2"}}},"tags":["other"]}"""));

        var record = session.ToFinalRecord();
        Assert.Equal("nova-3", record.ListenModel);
        Assert.Equal(["support", "eu"], record.Tags);
    }

    [Fact]
    public void Settings_larger_than_the_inspection_limit_are_recorded_without_models()
    {
        var time = new FakeTimeProvider(Start);
        using var session = new AgentSession(Identity, time, settingsCaptureLimit: 64, new SessionPolicy());
        MarkOpened(session, time);
        FromClient(session, ClientText(Settings), ClientText(KeepAlive));

        var record = session.ToFinalRecord();

        Assert.Same(AgentSettingsSummary.Unreadable, session.Settings);
        Assert.Null(record.ListenModel);
        Assert.Empty(record.Tags);
        Assert.Null(record.AudioMsIn);
        Assert.Equal(1, session.KeepAlives);
    }

    [Fact]
    public void Invalid_settings_json_is_unreadable_and_does_not_stop_metering()
    {
        using var session = OpenedSession();
        FromClient(session, ClientText("""{"type":"Settings","agent":{"listen":"""), ClientText(KeepAlive), FrameBuilder.Binary(320, masked: true));

        Assert.False(session.Settings?.Readable);
        Assert.Equal(1, session.KeepAlives);
        Assert.Equal(3, session.ToFinalRecord().FramesIn);
    }

    [Fact]
    public void Settings_with_invalid_utf8_do_not_throw_out_of_the_parser()
    {
        using var session = OpenedSession();
        byte[] settings = [.. Utf8("{\"type\":\"Settings\",\"tags\":[\""), 0xC3, 0x28, .. Utf8("\"]}")];

        FromClient(session, FrameBuilder.Frame((int)WebSocketOpcode.Text, settings, masked: true));

        Assert.False(session.Settings?.Readable);
    }

    [Fact]
    public void Client_keep_alives_are_counted_and_upstream_ones_are_not()
    {
        using var session = OpenedSession();
        FromClient(session, ClientText(Settings), ClientText(KeepAlive), ClientText("  {\"type\" : \"KeepAlive\"}"));
        FromUpstream(session, UpstreamText(KeepAlive));
        FromClient(session, ClientText(KeepAlive));

        Assert.Equal(3, session.KeepAlives);
    }

    [Fact]
    public void Keep_alive_before_settings_is_counted()
    {
        using var session = OpenedSession();
        FromClient(session, ClientText(KeepAlive));

        Assert.Equal(1, session.KeepAlives);
        Assert.Null(session.Settings);
    }

    [Fact]
    public void Frames_are_counted_per_direction_including_control_frames()
    {
        using var session = OpenedSession();
        FromClient(
            session,
            ClientText(Settings),
            FrameBuilder.Binary(100, masked: true, fin: false),
            FrameBuilder.BinaryContinuation(100, masked: true, fin: true),
            FrameBuilder.Ping(string.Empty, masked: true),
            FrameBuilder.Pong(string.Empty, masked: true));
        FromUpstream(session, UpstreamText(Welcome), FrameBuilder.Ping("p", masked: false));

        var record = session.ToFinalRecord();

        Assert.Equal(5, record.FramesIn);
        Assert.Equal(2, record.FramesOut);
    }

    [Fact]
    public void Audio_sent_before_the_settings_is_counted_once_the_format_is_known()
    {
        using var session = OpenedSession();
        FromClient(session, FrameBuilder.Binary(3200, masked: true));
        FromClient(session, ClientText(Settings), FrameBuilder.Binary(3200, masked: true));

        Assert.Equal(200, session.ToFinalRecord().AudioMsIn);
    }

    [Fact]
    public void Protocol_error_is_remembered_with_its_side_and_later_frames_are_not_counted()
    {
        using var session = OpenedSession();
        FromClient(session, ClientText(KeepAlive));
        var bytes = FromClient(session, UpstreamText(KeepAlive), ClientText(KeepAlive));

        Assert.Equal(FrameProtocolError.MaskMismatch, session.ProtocolError);
        Assert.Equal(TunnelSide.Client, session.ProtocolErrorSide);
        Assert.True(session.Tunnel.ClientParser.IsFaulted);
        Assert.False(session.Tunnel.UpstreamParser.IsFaulted);
        var record = session.ToFinalRecord();
        Assert.Equal(1, record.FramesIn);
        Assert.Equal(1, session.KeepAlives);
        Assert.Equal(26 + bytes, record.BytesIn);
    }

    [Fact]
    public void Text_capture_limits_shrink_to_a_first_look_once_settings_are_known()
    {
        var time = new FakeTimeProvider(Start);
        using var session = new AgentSession(Identity, time, settingsCaptureLimit: 100_000, new SessionPolicy());

        Assert.Equal(100_000, session.TextCaptureLimit(TunnelSide.Client));
        Assert.Equal(512, session.TextCaptureLimit(TunnelSide.Upstream));

        FromClient(session, ClientText(Settings));
        FromUpstream(session, UpstreamText(Welcome));

        Assert.Equal(512, session.TextCaptureLimit(TunnelSide.Client));
        Assert.Equal(512, session.TextCaptureLimit(TunnelSide.Upstream));
    }

    [Fact]
    public void Parsers_and_meters_are_chosen_by_the_side_frames_come_from()
    {
        using var session = NewSession();

        Assert.Same(session.Tunnel.ClientParser, session.Tunnel.ParserFor(TunnelSide.Client));
        Assert.Same(session.Tunnel.UpstreamParser, session.Tunnel.ParserFor(TunnelSide.Upstream));
        Assert.Same(session.Inbound, session.Tunnel.MeterFor(TunnelSide.Client));
        Assert.Same(session.Outbound, session.Tunnel.MeterFor(TunnelSide.Upstream));
        Assert.Equal(Identity.SessionId, session.SessionId);
        Assert.Equal(StartMs, session.ClientOpenedAtMs);
    }

    private AgentSession NewSession() => new(Identity, _time, SettingsLimit, new SessionPolicy());

    private void OpenUpstream(AgentSession session) => SessionFrames.MarkOpened(session, _time);

    private AgentSession OpenedSession()
    {
        var session = NewSession();
        OpenUpstream(session);
        return session;
    }
}
