using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Proxy.Gateway;
using Proxy.Tunnel;
using Proxy.Sessions;
using Proxy.Tests.Tunnel;
using Proxy.Tests.TestSupport;
using static Proxy.Tests.Sessions.SessionFrames;

namespace Proxy.Tests.Sessions;

/// <summary>
/// The sweep's decisions, one sweep at a time on a fake clock. Sessions without tunnel streams show a close as their
/// abort hook being called; sessions with in-memory tunnel streams show the Warning, Error and Close frames the
/// client and the upstream get.
/// </summary>
public sealed class SessionSupervisorTests : IDisposable
{
    private const string UserMessage = """{"type":"InjectUserMessage","content":"Are you there?"}""";

    private static readonly SessionPolicy Idle30 = new()
    {
        IdleTimeout = TimeSpan.FromSeconds(30),
        IdleMode = IdleMode.Messages,
        IdleWarningLead = TimeSpan.FromSeconds(10),
    };

    private static readonly SessionPolicy Max10Min = new()
    {
        MaxDuration = TimeSpan.FromMinutes(10),
        MaxDurationWarningLead = TimeSpan.FromMinutes(1),
    };

    private readonly FakeTimeProvider _time = new(Start);
    private readonly SessionRegistry _registry = new();
    private readonly TestOptionsMonitor<SessionControlOptions> _options = new(new SessionControlOptions());
    private readonly UpstreamOptions _upstream = new() { ActivityTimeout = TimeSpan.FromDays(30) };
    private readonly SessionSupervisor _supervisor;
    private readonly List<Live> _live = [];

    public SessionSupervisorTests()
    {
        _supervisor = new SessionSupervisor(
            _registry,
            new SessionCloser(_options, TestMetrics.Create(), NullLogger<SessionCloser>.Instance),
            _options,
            _time,
            TestMetrics.Create(),
            Options.Create(_upstream),
            NullLogger<SessionSupervisor>.Instance);
    }

    public void Dispose()
    {
        _supervisor.Dispose();
        foreach (var live in _live)
        {
            live.Dispose();
        }
    }

    [Fact]
    public void Idle_session_is_warned_once_at_timeout_minus_lead_and_closed_at_the_timeout()
    {
        var live = Open(Idle30, withTunnel: true);

        SweepAt(19.999);
        Assert.Empty(live.ClientMessages());
        Assert.Equal(0, live.Session.IdleWarningSentFor);

        SweepAt(20);
        Assert.Equal(
            ["""{"type":"Warning","code":"SESSION_IDLE_WARNING","description":"No activity for 20 s: the session will be closed in 10 s unless it is used."}"""],
            live.ClientMessages());
        Assert.Equal(live.OpenedAt, live.Session.IdleWarningSentFor);

        SweepAt(20.1);
        SweepAt(25);
        SweepAt(29.999);
        Assert.Single(live.ClientMessages());
        Assert.Null(live.Session.ProxyClose);

        SweepAt(30);
        Assert.Equal("idle_timeout", live.Session.ProxyClose?.CloseReason);
        Assert.Equal(
            [
                """{"type":"Warning","code":"SESSION_IDLE_WARNING","description":"No activity for 20 s: the session will be closed in 10 s unless it is used."}""",
                """{"type":"Error","code":"SESSION_IDLE_TIMEOUT","description":"No activity for 30 s: the session was closed so it stops being billed."}""",
            ],
            live.ClientMessages());
        Assert.Equal([new CloseSeen(1000, "SESSION_IDLE_TIMEOUT")], live.ClientCloses());
        Assert.Equal([new CloseSeen(1000, "closed by proxy")], live.UpstreamCloses());
    }

    [Fact]
    public async Task Idle_close_of_a_tunnel_whose_upstream_does_not_end_aborts_after_the_close_grace()
    {
        _options.CurrentValue = new SessionControlOptions { CloseGrace = TimeSpan.FromSeconds(2) };
        var live = Open(Idle30, withTunnel: true);

        SweepAt(30);
        Assert.Equal(0, live.Aborts);

        _time.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.Equal(0, live.Aborts);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        await live.Aborted.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, live.Aborts);
    }

    [Fact]
    public async Task Idle_close_of_a_client_stalled_mid_frame_aborts_after_the_close_grace()
    {
        _options.CurrentValue = new SessionControlOptions { CloseGrace = TimeSpan.FromSeconds(2) };
        var live = Open(Idle30 with { IdleMode = IdleMode.Audio }, withTunnel: true);

        // The client starts an audio frame and stops sending in the middle of it.
        At(5);
        var audio = FrameBuilder.Binary(3200, masked: true);
        live.ClientToUpstream(audio[..1000]);

        SweepAt(35);
        Assert.Equal("idle_timeout", live.Session.ProxyClose?.CloseReason);

        _time.Advance(TimeSpan.FromSeconds(2));
        SweepAt(60);
        await live.Aborted.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, live.Aborts);
    }

    [Fact]
    public void Idle_session_without_a_tunnel_is_aborted_with_reason_idle_timeout()
    {
        var live = Open(Idle30);

        SweepAt(29.999);
        Assert.Null(live.Session.ProxyClose);
        Assert.Equal(0, live.Aborts);

        SweepAt(30);
        Assert.Equal(1, live.Aborts);
        var close = live.Session.ProxyClose;
        Assert.NotNull(close);
        Assert.Equal("idle_timeout", close.CloseReason);
        Assert.Equal("SESSION_IDLE_TIMEOUT", close.ErrorCode);
        Assert.Equal(1000, close.ClientCloseCode);

        // Closing already: later sweeps leave it alone.
        SweepAt(31);
        SweepAt(90);
        Assert.Equal(1, live.Aborts);
    }

    [Fact]
    public void Without_a_tunnel_the_warning_is_still_booked_once()
    {
        var live = Open(Idle30);

        SweepAt(20);
        Assert.Equal(live.OpenedAt, live.Session.IdleWarningSentFor);
        Assert.Null(live.Session.ProxyClose);
        Assert.Equal(0, live.Aborts);
    }

    [Fact]
    public void Activity_after_the_warning_prevents_the_close_and_a_new_idle_period_is_warned_again()
    {
        var live = Open(Idle30, withTunnel: true);

        SweepAt(20);
        Assert.Single(live.ClientMessages());

        At(25);
        FromClient(live.Session, ClientText(UserMessage));
        var activeAt = _time.GetTimestamp();

        SweepAt(30);
        SweepAt(44.999);
        Assert.Null(live.Session.ProxyClose);
        Assert.Single(live.ClientMessages());

        SweepAt(45);
        Assert.Equal(2, live.ClientMessages().Count);
        Assert.Equal(activeAt, live.Session.IdleWarningSentFor);
        Assert.Contains("No activity for 20 s", live.ClientMessages()[1], StringComparison.Ordinal);

        SweepAt(54.999);
        Assert.Null(live.Session.ProxyClose);

        SweepAt(55);
        Assert.Equal("idle_timeout", live.Session.ProxyClose?.CloseReason);
        Assert.Equal(3, live.ClientMessages().Count);
    }

    [Fact]
    public void Waiting_for_the_upstream_is_not_idle_time()
    {
        var session = new AgentSession(Identity, _time, 1024, Idle30);
        var live = Track(session);
        _registry.Add(session);

        // Not upstream-opened yet: the sweep does not look at it, however long it waits.
        SweepAt(45);
        Assert.Null(session.ProxyClose);
        Assert.Equal(0, session.IdleWarningSentFor);

        MarkOpened(session, _time);
        SweepAt(45 + 29.999);
        Assert.Null(session.ProxyClose);

        SweepAt(45 + 30);
        Assert.Equal("idle_timeout", session.ProxyClose?.CloseReason);
        Assert.Equal(1, live.Aborts);
    }

    // What the client or the upstream sends 20 s into the session, and whether it keeps a 30 s idle timer going.
    [Theory]
    [InlineData("audio", "client_audio", true)]
    [InlineData("audio", "client_text", false)]
    [InlineData("audio", "client_keep_alive", false)]
    [InlineData("audio", "client_ping", false)]
    [InlineData("audio", "upstream_audio", false)]
    [InlineData("audio", "upstream_text", false)]
    [InlineData("messages", "client_audio", true)]
    [InlineData("messages", "client_text", true)]
    [InlineData("messages", "client_settings", true)]
    [InlineData("messages", "client_keep_alive", false)]
    [InlineData("messages", "client_ping", false)]
    [InlineData("messages", "client_close", false)]
    [InlineData("messages", "upstream_audio", false)]
    [InlineData("messages", "upstream_text", false)]
    [InlineData("any", "client_audio", true)]
    [InlineData("any", "client_text", true)]
    [InlineData("any", "client_keep_alive", false)]
    [InlineData("any", "client_ping", false)]
    [InlineData("any", "upstream_audio", true)]
    [InlineData("any", "upstream_text", true)]
    [InlineData("any", "upstream_ping", false)]
    public void Each_idle_mode_counts_its_own_traffic(string mode, string traffic, bool keepsAlive)
    {
        Assert.True(IdleModes.TryParse(mode, out var idleMode));
        var live = Open(Idle30 with { IdleMode = idleMode, IdleWarningLead = TimeSpan.Zero });

        At(20);
        Send(live.Session, traffic);

        SweepAt(30);
        if (!keepsAlive)
        {
            Assert.Equal("idle_timeout", live.Session.ProxyClose?.CloseReason);
            return;
        }

        Assert.Null(live.Session.ProxyClose);
        SweepAt(49.999);
        Assert.Null(live.Session.ProxyClose);
        SweepAt(50);
        Assert.Equal("idle_timeout", live.Session.ProxyClose?.CloseReason);
    }

    [Theory]
    [InlineData("audio")]
    [InlineData("messages")]
    [InlineData("any")]
    public void Keep_alive_keeps_a_session_open_when_configured_as_activity(string mode)
    {
        Assert.True(IdleModes.TryParse(mode, out var idleMode));
        var live = Open(Idle30 with { IdleMode = idleMode, KeepAliveIsActivity = true });

        At(20);
        FromClient(live.Session, ClientText(KeepAlive));

        SweepAt(49.999);
        Assert.Null(live.Session.ProxyClose);
        SweepAt(50);
        Assert.NotNull(live.Session.ProxyClose);
    }

    [Theory]
    [InlineData("audio", "client_ping", true)]
    [InlineData("messages", "client_ping", true)]
    [InlineData("messages", "client_pong", true)]
    [InlineData("messages", "upstream_ping", false)]
    [InlineData("any", "upstream_ping", true)]
    public void Pings_keep_a_session_open_when_configured_as_activity(string mode, string traffic, bool keepsAlive)
    {
        Assert.True(IdleModes.TryParse(mode, out var idleMode));
        var live = Open(Idle30 with { IdleMode = idleMode, PingIsActivity = true });

        At(20);
        Send(live.Session, traffic);

        SweepAt(30);
        Assert.Equal(keepsAlive, live.Session.ProxyClose is null);
    }

    [Fact]
    public void A_keep_alive_does_not_start_a_new_idle_period_for_the_warning()
    {
        var live = Open(Idle30, withTunnel: true);

        SweepAt(20);
        At(22);
        FromClient(live.Session, ClientText(KeepAlive));
        SweepAt(25);

        Assert.Single(live.ClientMessages());
        SweepAt(30);
        Assert.Equal("idle_timeout", live.Session.ProxyClose?.CloseReason);
    }

    [Fact]
    public void Max_duration_is_warned_once_at_max_minus_lead_and_closed_at_max_however_active()
    {
        var live = Open(Max10Min, withTunnel: true);

        for (var second = 30; second < 540; second += 30)
        {
            At(second);
            FromClient(live.Session, FrameBuilder.Binary(320, masked: true));
            SweepAt(second + 0.5);
        }

        SweepAt(539.999);
        Assert.Empty(live.ClientMessages());
        Assert.False(live.Session.MaxDurationWarningSent);

        SweepAt(540);
        Assert.True(live.Session.MaxDurationWarningSent);
        Assert.Equal(
            ["""{"type":"Warning","code":"SESSION_MAX_DURATION_WARNING","description":"The session reaches its maximum duration of 10 min in 1 min and will then be closed."}"""],
            live.ClientMessages());

        At(570);
        FromClient(live.Session, FrameBuilder.Binary(320, masked: true));
        SweepAt(570);
        SweepAt(599.999);
        Assert.Single(live.ClientMessages());
        Assert.Null(live.Session.ProxyClose);

        SweepAt(600);
        var close = live.Session.ProxyClose;
        Assert.NotNull(close);
        Assert.Equal("max_duration", close.CloseReason);
        Assert.Equal(1000, close.ClientCloseCode);
        Assert.Equal(
            """{"type":"Error","code":"SESSION_MAX_DURATION","description":"The session reached its maximum duration of 10 min."}""",
            live.ClientMessages()[^1]);
        Assert.Equal([new CloseSeen(1000, "SESSION_MAX_DURATION")], live.ClientCloses());
    }

    [Fact]
    public void Max_duration_counts_from_the_upstream_open()
    {
        var session = new AgentSession(Identity, _time, 1024, Max10Min with { MaxDurationWarningLead = TimeSpan.Zero });
        var live = Track(session);
        _registry.Add(session);
        At(5);
        MarkOpened(session, _time);

        SweepAt(604.999);
        Assert.Null(session.ProxyClose);

        SweepAt(605);
        Assert.Equal("max_duration", session.ProxyClose?.CloseReason);
        Assert.Equal(1, live.Aborts);
    }

    [Fact]
    public void Max_duration_wins_when_the_session_is_also_idle()
    {
        var live = Open(new SessionPolicy { IdleTimeout = TimeSpan.FromSeconds(30), MaxDuration = TimeSpan.FromSeconds(60) });

        SweepAt(60);

        Assert.Equal("max_duration", live.Session.ProxyClose?.CloseReason);
        Assert.Equal(1, live.Aborts);
    }

    [Fact]
    public void Zero_limits_turn_both_off()
    {
        var live = Open(new SessionPolicy { IdleTimeout = TimeSpan.Zero, MaxDuration = TimeSpan.Zero, IdleWarningLead = TimeSpan.FromSeconds(10), MaxDurationWarningLead = TimeSpan.FromSeconds(60) }, withTunnel: true);

        SweepAt(60);
        SweepAt(48 * 3600);

        Assert.Null(live.Session.ProxyClose);
        Assert.Equal(0, live.Aborts);
        Assert.Empty(live.ClientMessages());
        Assert.False(live.Session.MaxDurationWarningSent);
        Assert.Equal(0, live.Session.IdleWarningSentFor);
    }

    [Fact]
    public void A_tunnel_that_moves_nothing_for_the_activity_timeout_is_closed_as_idle_even_with_limits_off()
    {
        _upstream.ActivityTimeout = TimeSpan.FromMinutes(10);
        var live = Open(new SessionPolicy { IdleTimeout = TimeSpan.Zero, MaxDuration = TimeSpan.Zero }, withTunnel: true);

        At(599);
        _supervisor.Sweep();
        Assert.Null(live.Session.ProxyClose);

        At(600);
        _supervisor.Sweep();
        Assert.Equal("idle_timeout", live.Session.ProxyClose?.CloseReason);
    }

    [Fact]
    public void Any_frame_either_way_holds_off_the_activity_backstop_even_when_it_is_not_activity_for_the_policy()
    {
        _upstream.ActivityTimeout = TimeSpan.FromMinutes(10);
        var live = Open(new SessionPolicy { IdleTimeout = TimeSpan.Zero, IdleMode = IdleMode.Audio }, withTunnel: true);

        At(590);
        Send(live.Session, "upstream_ping");
        At(1000);
        _supervisor.Sweep();
        Assert.Null(live.Session.ProxyClose);

        At(1190);
        _supervisor.Sweep();
        Assert.Equal("idle_timeout", live.Session.ProxyClose?.CloseReason);
    }

    [Fact]
    public void Zero_leads_close_without_a_warning()
    {
        var idle = Open(Idle30 with { IdleWarningLead = TimeSpan.Zero }, withTunnel: true);

        SweepAt(20);
        SweepAt(29.999);
        Assert.Empty(idle.ClientMessages());
        SweepAt(30);
        Assert.Equal(["SESSION_IDLE_TIMEOUT"], idle.ClientCodes());

        var max = Open(Max10Min with { MaxDurationWarningLead = TimeSpan.Zero }, withTunnel: true);
        var opened = ElapsedSeconds();
        for (var second = 10; second < 600; second += 10)
        {
            At(opened + second);
            FromClient(max.Session, ClientText(UserMessage));
            SweepAt(opened + second);
        }

        Assert.Empty(max.ClientMessages());
        Assert.False(max.Session.MaxDurationWarningSent);
        SweepAt(opened + 600);
        Assert.Equal(["SESSION_MAX_DURATION"], max.ClientCodes());
    }

    [Fact]
    public void A_shorter_idle_timeout_set_on_a_live_session_applies_at_the_next_sweep()
    {
        var live = Open(Idle30 with { IdleTimeout = TimeSpan.FromMinutes(5) });

        SweepAt(40);
        Assert.Null(live.Session.ProxyClose);

        live.Session.Policy = Idle30;
        Assert.Null(live.Session.ProxyClose);

        SweepAt(40.1);
        Assert.Equal("idle_timeout", live.Session.ProxyClose?.CloseReason);
        Assert.Contains("30 s", live.Session.ProxyClose?.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void An_idle_timeout_turned_off_on_a_live_session_stops_the_close()
    {
        var live = Open(Idle30);

        SweepAt(25);
        live.Session.Policy = Idle30 with { IdleTimeout = TimeSpan.Zero };
        SweepAt(30);
        SweepAt(3600);

        Assert.Null(live.Session.ProxyClose);
    }

    [Fact]
    public void A_changed_idle_mode_applies_to_traffic_already_seen()
    {
        var live = Open(Idle30 with { IdleMode = IdleMode.Audio, IdleWarningLead = TimeSpan.Zero });
        At(20);
        FromClient(live.Session, ClientText(UserMessage));

        live.Session.Policy = Idle30 with { IdleMode = IdleMode.Messages, IdleWarningLead = TimeSpan.Zero };
        SweepAt(30);
        Assert.Null(live.Session.ProxyClose);

        live.Session.Policy = Idle30 with { IdleMode = IdleMode.Audio, IdleWarningLead = TimeSpan.Zero };
        SweepAt(30.1);
        Assert.Equal("idle_timeout", live.Session.ProxyClose?.CloseReason);
    }

    [Fact]
    public void A_max_duration_set_on_a_live_session_applies_at_the_next_sweep()
    {
        var live = Open(new SessionPolicy());

        SweepAt(700);
        Assert.Null(live.Session.ProxyClose);

        live.Session.Policy = Max10Min;
        SweepAt(700);
        Assert.Equal("max_duration", live.Session.ProxyClose?.CloseReason);
    }

    [Fact]
    public void A_raised_max_duration_is_warned_again_before_the_new_maximum()
    {
        var live = Open(Max10Min, withTunnel: true);
        SweepAt(540);
        Assert.Single(live.ClientMessages());

        live.Session.Policy = Max10Min with { MaxDuration = TimeSpan.FromMinutes(60) };
        SweepAt(600);
        Assert.Null(live.Session.ProxyClose);

        SweepAt(3540);
        Assert.Equal(2, live.ClientMessages().Count);
        Assert.Contains("maximum duration of 1 h in 1 min", live.ClientMessages()[1], StringComparison.Ordinal);
    }

    [Fact]
    public void A_raised_idle_timeout_is_warned_again_before_the_new_timeout()
    {
        var live = Open(Idle30, withTunnel: true);
        SweepAt(20);
        Assert.Single(live.ClientMessages());

        live.Session.Policy = Idle30 with { IdleTimeout = TimeSpan.FromMinutes(5) };
        SweepAt(30);
        Assert.Null(live.Session.ProxyClose);

        SweepAt(290);
        Assert.Equal(2, live.ClientMessages().Count);
        Assert.Contains("closed in 10 s", live.ClientMessages()[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Sessions_already_closing_by_the_proxy_are_skipped()
    {
        var live = Open(Idle30 with { MaxDuration = TimeSpan.FromSeconds(60), MaxDurationWarningLead = TimeSpan.FromSeconds(50) });
        _ = live.Session.CloseByProxyAsync(ProxyCloseRequests.AdminClosed, TimeSpan.FromSeconds(2));
        Assert.Equal(1, live.Aborts);

        SweepAt(20);
        SweepAt(120);

        Assert.Same(ProxyCloseRequests.AdminClosed, live.Session.ProxyClose);
        Assert.Equal(1, live.Aborts);
        Assert.False(live.Session.MaxDurationWarningSent);
        Assert.Equal(0, live.Session.IdleWarningSentFor);
    }

    [Fact]
    public void Sessions_whose_tunnel_ended_are_skipped()
    {
        var live = Open(Idle30 with { MaxDuration = TimeSpan.FromSeconds(60), MaxDurationWarningLead = TimeSpan.FromSeconds(50) });
        live.Session.MarkTunnelEnded();

        SweepAt(20);
        SweepAt(120);

        Assert.Null(live.Session.ProxyClose);
        Assert.Equal(0, live.Aborts);
        Assert.False(live.Session.MaxDurationWarningSent);
        Assert.Equal(0, live.Session.IdleWarningSentFor);
    }

    [Fact]
    public void Only_the_idle_session_among_several_is_closed()
    {
        var idle = Open(Idle30);
        var active = Open(Idle30);
        var unlimited = Open(new SessionPolicy());

        At(20);
        FromClient(active.Session, FrameBuilder.Binary(320, masked: true));
        SweepAt(30);

        Assert.Equal("idle_timeout", idle.Session.ProxyClose?.CloseReason);
        Assert.Null(active.Session.ProxyClose);
        Assert.Null(unlimited.Session.ProxyClose);
    }

    [Fact]
    public void Sessions_removed_from_the_registry_are_not_swept()
    {
        var live = Open(Idle30);
        _registry.Remove(live.Session);

        SweepAt(60);

        Assert.Null(live.Session.ProxyClose);
    }

    private Live Open(SessionPolicy policy, bool withTunnel = false)
    {
        var session = new AgentSession(Identity with { SessionId = $"session-{_live.Count}" }, _time, 1024, policy);
        var live = Track(session);
        MarkOpened(session, _time);
        live.OpenedAt = _time.GetTimestamp();
        if (withTunnel)
        {
            live.AttachTunnel();
        }

        _registry.Add(session);
        return live;
    }

    private Live Track(AgentSession session)
    {
        var live = new Live(session);
        _live.Add(live);
        return live;
    }

    private double ElapsedSeconds() => (_time.GetUtcNow() - Start).TotalSeconds;

    /// <summary>Moves the clock to this many seconds after the test's start (never backwards).</summary>
    private void At(double seconds)
    {
        var target = Start + TimeSpan.FromSeconds(seconds);
        var now = _time.GetUtcNow();
        Assert.True(target >= now, $"the clock is at {(now - Start).TotalSeconds} s already");
        _time.Advance(target - now);
    }

    private void SweepAt(double seconds)
    {
        At(seconds);
        _supervisor.Sweep();
    }

    private static void Send(AgentSession session, string traffic)
    {
        switch (traffic)
        {
            case "client_audio":
                FromClient(session, FrameBuilder.Binary(320, masked: true));
                break;
            case "client_text":
                FromClient(session, ClientText(UserMessage));
                break;
            case "client_settings":
                FromClient(session, ClientText(Settings));
                break;
            case "client_keep_alive":
                FromClient(session, ClientText(KeepAlive));
                break;
            case "client_ping":
                FromClient(session, FrameBuilder.Ping("p", masked: true));
                break;
            case "client_pong":
                FromClient(session, FrameBuilder.Pong("p", masked: true));
                break;
            case "client_close":
                FromClient(session, FrameBuilder.Close(1000, string.Empty, masked: true));
                break;
            case "upstream_audio":
                FromUpstream(session, FrameBuilder.Binary(960, masked: false));
                break;
            case "upstream_text":
                FromUpstream(session, UpstreamText("""{"type":"ConversationText","role":"assistant","content":"Hi"}"""));
                break;
            case "upstream_ping":
                FromUpstream(session, FrameBuilder.Ping("p", masked: false));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(traffic), traffic, "unknown traffic");
        }
    }

    /// <summary>A session under test, its abort hook, and (optionally) in-memory connections for both tunnel sides.</summary>
    private sealed class Live : IDisposable
    {
        private readonly TaskCompletionSource _aborted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _aborts;

        public Live(AgentSession session)
        {
            Session = session;
            session.Tunnel.AttachAbort(() =>
            {
                Interlocked.Increment(ref _aborts);
                _aborted.TrySetResult();
            });
        }

        public AgentSession Session { get; }

        public long OpenedAt { get; set; }

        public int Aborts => Volatile.Read(ref _aborts);

        public Task Aborted => _aborted.Task;

        public RecordingStream? ClientWire { get; private set; }

        public RecordingStream? UpstreamWire { get; private set; }

        private MeteredTunnelStream? ClientStream { get; set; }

        private MeteredTunnelStream? UpstreamStream { get; set; }

        public void AttachTunnel()
        {
            ClientWire = new RecordingStream();
            UpstreamWire = new RecordingStream();
            ClientStream = Session.Tunnel.Attach(TunnelSide.Client, ClientWire);
            UpstreamStream = Session.Tunnel.Attach(TunnelSide.Upstream, UpstreamWire);
        }

        /// <summary>Client → upstream bytes as the tunnel moves them: parsed on the client side's read, then written upstream.</summary>
        public void ClientToUpstream(byte[] chunk)
        {
            Session.Inbound.AddBytes(chunk.Length);
            Session.Tunnel.ClientParser.Parse(chunk);
            Assert.NotNull(UpstreamStream);
            UpstreamStream.WriteAsync(chunk).AsTask().GetAwaiter().GetResult();
        }

        /// <summary>The text messages the client got, checked to be valid server frames.</summary>
        public List<string> ClientMessages() => [.. Parse(ClientWire, masked: false).Texts.Select(t => t.Payload)];

        public List<string> ClientCodes() => [.. ClientMessages().Select(CodeOf)];

        public List<CloseSeen> ClientCloses() => Parse(ClientWire, masked: false).Closes;

        public List<CloseSeen> UpstreamCloses() => Parse(UpstreamWire, masked: true).Closes;

        public void Dispose()
        {
            Session.Dispose();
        }

        private static string CodeOf(string message)
        {
            using var document = JsonDocument.Parse(message);
            return document.RootElement.GetProperty("code").GetString()!;
        }

        private static RecordingObserver Parse(RecordingStream? wire, bool masked)
        {
            Assert.NotNull(wire);
            using var harness = new ParserHarness(clientToServer: masked).Feed(wire.Written);
            Assert.Empty(harness.Observer.Errors);
            Assert.False(harness.Parser.IsInsideFrame);
            return harness.Observer;
        }
    }
}
