using Microsoft.Extensions.Time.Testing;
using Proxy.Gateway;
using Proxy.Tunnel;
using Proxy.Sessions;
using Proxy.Tests.Sessions;
using static Proxy.Tests.Tunnel.FrameBuilder;

namespace Proxy.Tests.Tunnel;

/// <summary>
/// Frame injection into a tunnel side. As in the real tunnel, every chunk is first parsed by the parser of the
/// direction it travels in (on the read side), then the same chunk is written to the side under test; the proxy's
/// frames must land only between two whole messages of those bytes.
/// </summary>
public sealed class MeteredTunnelStreamTests : IDisposable
{
    private static readonly byte[] Warning = Text("""{"type":"Warning","code":"SESSION_IDLE_WARNING","description":"soon"}""", masked: false);
    private static readonly byte[] SecondWarning = Text("""{"type":"Warning","code":"SESSION_MAX_DURATION_WARNING","description":"later"}""", masked: false);
    private static readonly byte[] ErrorAndClose = Concat(
        Text("""{"type":"Error","code":"SESSION_IDLE_TIMEOUT","description":"bye"}""", masked: false),
        Close(1000, "SESSION_IDLE_TIMEOUT", masked: false));

    private static readonly byte[] ProxyCloseToUpstream = Close(1000, "closed by proxy", masked: true);

    private readonly AgentSession _session;
    private readonly RecordingStream _clientWire = new();
    private readonly RecordingStream _upstreamWire = new();
    private readonly MeteredTunnelStream _client;
    private readonly MeteredTunnelStream _upstream;

    public MeteredTunnelStreamTests()
    {
        var time = new FakeTimeProvider(SessionFrames.Start);
        _session = new AgentSession(SessionFrames.Identity, time, 1024, new SessionPolicy());
        SessionFrames.MarkOpened(_session, time);
        _client = _session.Tunnel.Attach(TunnelSide.Client, _clientWire);
        _upstream = _session.Tunnel.Attach(TunnelSide.Upstream, _upstreamWire);
    }

    public void Dispose()
    {
        _client.Dispose();
        _upstream.Dispose();
        _session.Dispose();
    }

    [Fact]
    public async Task Injection_before_any_traffic_is_written_at_once()
    {
        var injected = _client.InjectAsync(Warning, seal: false);

        Assert.True(injected.IsCompletedSuccessfully);
        Assert.True(await injected);
        Assert.Equal(Warning, _clientWire.Written);
    }

    [Fact]
    public async Task Injection_at_a_message_boundary_is_written_at_once_and_traffic_follows()
    {
        var first = SessionFrames.UpstreamText(SessionFrames.Welcome);
        var second = Binary(960, masked: false);
        await ToClient(first);

        var injected = _client.InjectAsync(Warning, seal: false);

        Assert.True(injected.IsCompletedSuccessfully);
        Assert.True(await injected);
        await ToClient(second);
        Assert.Equal(Concat(first, Warning, second), _clientWire.Written);
        Assert.Equal([first, Warning, second], _clientWire.Writes);
        AssertValidServerFrames(_clientWire.Written);
    }

    [Fact]
    public async Task Injection_while_a_frame_is_split_waits_for_the_chunk_that_ends_it_and_goes_right_after_its_last_byte()
    {
        var audio = Binary(300, masked: false);
        var next = Text("""{"type":"AgentAudioDone"}""", masked: false);
        await ToClient(audio[..50]);

        var injected = _client.InjectAsync(Warning, seal: false);
        Assert.False(injected.IsCompleted);

        await ToClient(audio[50..200]);
        Assert.False(injected.IsCompleted);
        Assert.Equal(audio[..200], _clientWire.Written);

        await ToClient(Concat(audio[200..], next));

        Assert.True(await injected);
        Assert.Equal(Concat(audio, Warning, next), _clientWire.Written);
        Assert.Equal([audio[..50], audio[50..200], audio[200..], Warning, next], _clientWire.Writes);
        AssertValidServerFrames(_clientWire.Written);
    }

    [Fact]
    public async Task A_sealing_injection_is_the_last_thing_written_and_later_traffic_is_swallowed()
    {
        var audio = Binary(300, masked: false);
        var next = Text("""{"type":"AgentAudioDone"}""", masked: false);
        await ToClient(audio[..50]);

        var injected = _client.InjectAsync(ErrorAndClose, seal: true);
        await ToClient(Concat(audio[50..], next));

        Assert.True(await injected);
        Assert.Equal(Concat(audio, ErrorAndClose), _clientWire.Written);

        await ToClient(Binary(960, masked: false));
        await ToClient(Close(1000, string.Empty, masked: false));
        Assert.Equal(Concat(audio, ErrorAndClose), _clientWire.Written);
        Assert.False(await _client.InjectAsync(Warning, seal: false));
        Assert.Equal(Concat(audio, ErrorAndClose), _clientWire.Written);

        var seen = AssertValidServerFrames(_clientWire.Written);
        Assert.Equal([new CloseSeen(1000, "SESSION_IDLE_TIMEOUT")], seen.Closes);
    }

    [Fact]
    public async Task A_sealing_injection_at_a_boundary_seals_at_once()
    {
        var welcome = SessionFrames.UpstreamText(SessionFrames.Welcome);
        await ToClient(welcome);

        Assert.True(await _client.InjectAsync(ErrorAndClose, seal: true));
        await ToClient(Binary(960, masked: false));

        Assert.Equal(Concat(welcome, ErrorAndClose), _clientWire.Written);
        Assert.False(await _client.InjectAsync(ErrorAndClose, seal: true));
    }

    [Fact]
    public async Task Injection_waits_for_the_end_of_a_fragmented_message_even_across_control_frames()
    {
        var start = Text("""{"type":"Conv""", masked: false, fin: false);
        var ping = Ping("keep", masked: false);
        var middle = Continuation("""ersationText","role":"assistant",""", masked: false, fin: false);
        var end = Continuation("\"content\":\"Hi\"}", masked: false, fin: true);
        var audio = Binary(480, masked: false);

        await ToClient(start);
        var injected = _client.InjectAsync(Warning, seal: false);

        await ToClient(ping);
        await ToClient(middle);
        Assert.False(injected.IsCompleted);

        await ToClient(Concat(end, audio));

        Assert.True(await injected);
        Assert.Equal(Concat(start, ping, middle, end, Warning, audio), _clientWire.Written);
        var seen = AssertValidServerFrames(_clientWire.Written);
        Assert.Equal(
            ["""{"type":"ConversationText","role":"assistant","content":"Hi"}""", """{"type":"Warning","code":"SESSION_IDLE_WARNING","description":"soon"}"""],
            seen.Texts.Select(t => t.Payload));
    }

    [Fact]
    public async Task A_control_frame_inside_a_fragmented_message_in_the_same_chunk_is_not_a_boundary()
    {
        var start = Binary(100, masked: false, fin: false);
        var pong = Pong(string.Empty, masked: false);
        var end = BinaryContinuation(100, masked: false, fin: true);
        await ToClient(start[..10]);

        var injected = _client.InjectAsync(Warning, seal: false);
        await ToClient(Concat(start[10..], pong, end));

        Assert.True(await injected);
        Assert.Equal(Concat(start, pong, end, Warning), _clientWire.Written);
    }

    [Fact]
    public async Task A_lone_control_frame_between_messages_is_a_boundary()
    {
        var ping = Ping("12345678", masked: false);
        var next = Binary(64, masked: false);
        await ToClient(ping[..3]);

        var injected = _client.InjectAsync(Warning, seal: false);
        await ToClient(Concat(ping[3..], next));

        Assert.True(await injected);
        Assert.Equal(Concat(ping, Warning, next), _clientWire.Written);
    }

    [Fact]
    public async Task A_split_header_holds_the_injection()
    {
        var audio = Binary(70_000, masked: false);
        await ToClient(audio[..3]);

        var injected = _client.InjectAsync(Warning, seal: false);
        await ToClient(audio[3..8]);
        await ToClient(audio[8..60_000]);
        Assert.False(injected.IsCompleted);

        await ToClient(audio[60_000..]);

        Assert.True(await injected);
        Assert.Equal(Concat(audio, Warning), _clientWire.Written);
    }

    [Fact]
    public async Task Injection_goes_at_the_first_boundary_of_a_chunk_holding_several_messages()
    {
        var audio = Binary(200, masked: false);
        var a = Text("a", masked: false);
        var b = Text("b", masked: false);
        await ToClient(audio[..100]);

        var injected = _client.InjectAsync(Warning, seal: false);
        await ToClient(Concat(audio[100..], a, b));

        Assert.True(await injected);
        Assert.Equal(Concat(audio, Warning, a, b), _clientWire.Written);
    }

    [Fact]
    public async Task Zero_length_frames_end_messages_like_any_other()
    {
        var start = Text("abc", masked: false, fin: false);
        var emptyEnd = Continuation(string.Empty, masked: false, fin: true);
        var emptyText = Text(string.Empty, masked: false);
        await ToClient(start);

        var first = _client.InjectAsync(Warning, seal: false);
        await ToClient(Concat(emptyEnd, emptyText));

        Assert.True(await first);
        Assert.Equal(Concat(start, emptyEnd, Warning, emptyText), _clientWire.Written);
    }

    [Fact]
    public async Task Two_injections_queue_in_order()
    {
        var audio = Binary(300, masked: false);
        var next = Binary(20, masked: false);
        await ToClient(audio[..50]);

        var first = _client.InjectAsync(Warning, seal: false);
        var second = _client.InjectAsync(SecondWarning, seal: false);
        await ToClient(Concat(audio[50..], next));

        Assert.True(await first);
        Assert.True(await second);
        Assert.Equal(Concat(audio, Warning, SecondWarning, next), _clientWire.Written);
        AssertValidServerFrames(_clientWire.Written);
    }

    [Fact]
    public async Task A_warning_and_a_sealing_close_queue_in_order_and_seal()
    {
        var audio = Binary(300, masked: false);
        await ToClient(audio[..50]);

        var warning = _client.InjectAsync(Warning, seal: false);
        var close = _client.InjectAsync(ErrorAndClose, seal: true);
        await ToClient(Concat(audio[50..], Binary(20, masked: false)));

        Assert.True(await warning);
        Assert.True(await close);
        Assert.Equal(Concat(audio, Warning, ErrorAndClose), _clientWire.Written);
    }

    [Fact]
    public async Task Nothing_can_be_queued_behind_a_pending_sealing_injection()
    {
        var audio = Binary(300, masked: false);
        await ToClient(audio[..50]);

        var close = _client.InjectAsync(ErrorAndClose, seal: true);
        var late = _client.InjectAsync(Warning, seal: false);

        Assert.True(late.IsCompleted);
        Assert.False(await late);
        await ToClient(audio[50..]);
        Assert.True(await close);
        Assert.Equal(Concat(audio, ErrorAndClose), _clientWire.Written);
    }

    [Fact]
    public async Task A_bad_frame_from_the_upstream_never_reaches_the_client_and_the_proxys_frames_take_its_place()
    {
        // A masked frame from the upstream is a protocol error: forwarding stops before it.
        var bad = Binary(10, masked: true);
        await ToClient(bad);
        Assert.True(_session.Tunnel.UpstreamParser.IsFaulted);

        Assert.True(await _client.InjectAsync(Warning, seal: false));
        Assert.True(await _client.InjectAsync(ErrorAndClose, seal: true));

        await ToClient(Binary(5, masked: false));
        Assert.Equal(Concat(Warning, ErrorAndClose), _clientWire.Written);
    }

    [Fact]
    public async Task A_pending_injection_goes_right_after_the_last_whole_frame_before_a_bad_one()
    {
        var audio = Binary(300, masked: false);
        var reservedOpcode = Frame(0x3, [1, 2, 3], masked: false);
        var after = Binary(8, masked: false);
        await ToClient(audio[..50]);

        var injected = _client.InjectAsync(ErrorAndClose, seal: true);
        await ToClient(Concat(audio[50..], reservedOpcode));

        Assert.True(await injected);
        await ToClient(after);
        Assert.Equal(Concat(audio, ErrorAndClose), _clientWire.Written);
    }

    [Fact]
    public async Task A_bad_frame_whose_start_went_through_already_leaves_nothing_clean_to_inject()
    {
        // Invalid UTF-8 is only seen in the middle of a text frame whose start has been forwarded already.
        var time = new FakeTimeProvider(SessionFrames.Start);
        using var session = new AgentSession(SessionFrames.Identity, time, 1024, new SessionPolicy(), new FrameLimits(1 << 20, 1 << 20, ValidateUtf8: true));
        SessionFrames.MarkOpened(session, time);
        var wire = new RecordingStream();
        using var upstream = session.Tunnel.Attach(TunnelSide.Upstream, wire);
        byte[] payload = [.. "{\"type\":\"InjectUserMessage\",\"content\":\""u8.ToArray(), 0xC3, 0x28, .. "\"}"u8.ToArray()];
        var frame = Frame(0x1, payload, masked: true);

        session.Tunnel.ClientParser.Parse(frame.AsSpan(0, 20));
        await upstream.WriteAsync(frame.AsMemory(0, 20));
        session.Tunnel.ClientParser.Parse(frame.AsSpan(20));
        await upstream.WriteAsync(frame.AsMemory(20));

        Assert.Equal(FrameProtocolError.InvalidUtf8, session.Tunnel.ClientParser.Error);
        Assert.Equal(frame[..20], wire.Written);
        Assert.False(await upstream.InjectAsync(ProxyCloseToUpstream, seal: true));
    }

    [Fact]
    public async Task A_bad_close_from_the_client_split_across_reads_never_reaches_the_upstream()
    {
        // 1005 may be observed, never sent. Its code is only known once the payload's second byte arrives, and by
        // then the frame's header has been read: the header must have been held back, not forwarded.
        var audio = Binary(20, masked: true);
        var badClose = Frame((int)WebSocketOpcode.Close, [0x03, 0xED, (byte)'x'], masked: true);

        await ToUpstream(Concat(audio, badClose[..3]));
        await ToUpstream(badClose[3..]);

        Assert.Equal(FrameProtocolError.InvalidCloseCode, _session.Tunnel.ClientParser.Error);
        Assert.Equal(audio, _upstreamWire.Written);
        Assert.True(await _upstream.InjectAsync(ProxyCloseToUpstream, seal: true, controlOnly: true));
        Assert.Equal(Concat(audio, ProxyCloseToUpstream), _upstreamWire.Written);
    }

    [Fact]
    public async Task A_bad_close_from_the_upstream_split_across_reads_never_reaches_the_client()
    {
        var welcome = SessionFrames.UpstreamText(SessionFrames.Welcome);
        byte[] badReason = [0x03, 0xE8, (byte)'o', 0xC3, 0x28];
        var badClose = Frame((int)WebSocketOpcode.Close, badReason, masked: false);

        await ToClient(Concat(welcome, badClose[..1]));
        await ToClient(badClose[1..4]);
        var injected = _client.InjectAsync(ErrorAndClose, seal: true, controlOnly: true);
        await ToClient(badClose[4..]);

        Assert.Equal(FrameProtocolError.InvalidCloseReason, _session.Tunnel.UpstreamParser.Error);
        Assert.True(await injected);
        Assert.Equal(Concat(welcome, ErrorAndClose), _clientWire.Written);
    }

    [Fact]
    public async Task A_valid_close_split_at_any_point_is_held_until_it_is_whole_then_forwarded()
    {
        var audio = Binary(20, masked: true);
        var close = Close(1000, "bye", masked: true);
        for (var split = 1; split < close.Length; split++)
        {
            using var fixture = new MeteredTunnelStreamTests();

            await fixture.ToUpstream(Concat(audio, close[..split]));
            Assert.True(audio.AsSpan().SequenceEqual(fixture._upstreamWire.Written), $"split {split}: the close's start went through");

            await fixture.ToUpstream(close[split..]);
            Assert.True(Concat(audio, close).AsSpan().SequenceEqual(fixture._upstreamWire.Written), $"split {split}");
            Assert.True(fixture._session.Tunnel.ClientParser.CloseSeen);
        }
    }

    [Fact]
    public async Task A_close_arriving_byte_by_byte_is_forwarded_once_whole()
    {
        var close = Close(4000, "done", masked: false);

        foreach (var b in close)
        {
            Assert.Empty(_clientWire.Written);
            await ToClient([b]);
        }

        Assert.Equal(close, _clientWire.Written);
    }

    [Fact]
    public async Task An_injection_while_the_peers_close_is_held_goes_before_it()
    {
        // The client has seen whole messages only: the proxy's Warning fits, and the upstream's Close follows it.
        var close = Close(1011, "internal", masked: false);
        await ToClient(close[..4]);

        var injected = _client.InjectAsync(Warning, seal: false);
        Assert.True(injected.IsCompletedSuccessfully);
        await ToClient(close[4..]);

        Assert.True(await injected);
        Assert.Equal(Concat(Warning, close), _clientWire.Written);
    }

    [Fact]
    public async Task A_pending_injection_fails_when_the_connection_ends()
    {
        var audio = Binary(300, masked: false);
        await ToClient(audio[..50]);
        var injected = _client.InjectAsync(ErrorAndClose, seal: true);

        await _client.DisposeAsync();

        Assert.False(await injected);
        Assert.Equal(audio[..50], _clientWire.Written);
        Assert.True(_clientWire.Disposed);
    }

    [Fact]
    public async Task Injection_after_a_chunk_was_parsed_but_before_it_was_written_goes_before_it()
    {
        var welcome = SessionFrames.UpstreamText(SessionFrames.Welcome);
        var audio = Binary(300, masked: false);
        await ToClient(welcome);

        // The read side has already parsed the next chunk (a frame's start); the copy loop has not written it yet.
        _session.Tunnel.UpstreamParser.Parse(audio.AsSpan(0, 50));
        var injected = _client.InjectAsync(Warning, seal: false);

        Assert.True(injected.IsCompletedSuccessfully);
        await _client.WriteAsync(audio.AsMemory(0, 50));
        await ToClient(audio[50..]);

        Assert.True(await injected);
        Assert.Equal(Concat(welcome, Warning, audio), _clientWire.Written);
        AssertValidServerFrames(_clientWire.Written);
    }

    [Fact]
    public async Task Synchronous_writes_place_injections_the_same_way()
    {
        var audio = Binary(300, masked: false);
        var next = Text("x", masked: false);
        _session.Tunnel.UpstreamParser.Parse(audio.AsSpan(0, 50));
        _client.Write(audio, 0, 50);

        var injected = _client.InjectAsync(Warning, seal: false);
        var rest = Concat(audio[50..], next);
        _session.Tunnel.UpstreamParser.Parse(rest);
        _client.Write(rest.AsSpan());

        Assert.True(await injected);
        Assert.Equal(Concat(audio, Warning, next), _clientWire.Written);
    }

    [Fact]
    public async Task Every_split_point_puts_the_injection_at_the_first_boundary_at_or_after_it()
    {
        var (stream, boundaries) = ServerConversation();

        for (var split = 0; split <= stream.Length; split++)
        {
            foreach (var seal in new[] { false, true })
            {
                var expectedAt = boundaries.First(b => b >= split);
                var expected = seal ? Concat(stream[..expectedAt], ErrorAndClose) : Concat(stream[..expectedAt], ErrorAndClose, stream[expectedAt..]);

                var actual = await InjectIntoClientSide(stream, split, seal);

                Assert.True(expected.AsSpan().SequenceEqual(actual), $"split at {split}, seal {seal}: expected the injection at {expectedAt}");
            }
        }
    }

    [Fact]
    public async Task Every_pair_of_chunks_after_the_injection_places_it_at_the_same_boundary()
    {
        var (stream, boundaries) = ServerConversation();

        for (var split = 1; split < stream.Length; split += 3)
        {
            var expectedAt = boundaries.First(b => b >= split);
            for (var second = split; second <= stream.Length; second += 2)
            {
                using var fixture = new MeteredTunnelStreamTests();
                await fixture.ToClient(stream[..split]);
                var injected = fixture._client.InjectAsync(Warning, seal: false);
                await fixture.ToClient(stream[split..second]);
                await fixture.ToClient(stream[second..]);

                Assert.True(await injected, $"split {split}, second {second}");
                Assert.True(
                    Concat(stream[..expectedAt], Warning, stream[expectedAt..]).AsSpan().SequenceEqual(fixture._clientWire.Written),
                    $"split {split}, second {second}");
            }
        }
    }

    [Fact]
    public async Task Upstream_side_injects_a_masked_close_between_client_messages_and_seals()
    {
        var audio = Binary(3200, masked: true);
        var keepAlive = SessionFrames.ClientText(SessionFrames.KeepAlive);
        await ToUpstream(SessionFrames.ClientText(SessionFrames.Settings));
        await ToUpstream(audio[..1000]);

        var injected = _upstream.InjectAsync(ProxyCloseToUpstream, seal: true);
        Assert.False(injected.IsCompleted);
        await ToUpstream(Concat(audio[1000..], keepAlive));

        Assert.True(await injected);
        var expected = Concat(SessionFrames.ClientText(SessionFrames.Settings), audio, ProxyCloseToUpstream);
        Assert.Equal(expected, _upstreamWire.Written);

        await ToUpstream(keepAlive);
        Assert.Equal(expected, _upstreamWire.Written);

        var seen = AssertValidClientFrames(_upstreamWire.Written);
        Assert.Equal([new CloseSeen(1000, "closed by proxy")], seen.Closes);
        Assert.Empty(_clientWire.Written);
    }

    [Fact]
    public async Task Upstream_side_waits_for_a_fragmented_client_message_across_pings()
    {
        var settings = SessionFrames.Settings;
        var frames = Concat(
            Text(settings[..40], masked: true, fin: false),
            Ping("k", masked: true),
            Continuation(settings[40..200], masked: true, fin: false),
            Continuation(settings[200..], masked: true, fin: true));
        var audio = Binary(320, masked: true);
        await ToUpstream(frames[..60]);

        var injected = _upstream.InjectAsync(ProxyCloseToUpstream, seal: false);
        await ToUpstream(frames[60..120]);
        Assert.False(injected.IsCompleted);
        await ToUpstream(Concat(frames[120..], audio));

        Assert.True(await injected);
        Assert.Equal(Concat(frames, ProxyCloseToUpstream, audio), _upstreamWire.Written);

        // The upstream's own parser would see data after a Close here; the point is only the framing of each piece.
        var seen = AssertValidClientFrames(Concat(frames, ProxyCloseToUpstream));
        Assert.Equal(settings, seen.Texts.Single().Payload);
    }

    [Fact]
    public async Task Each_side_injects_by_the_state_of_the_bytes_it_writes_not_of_the_bytes_it_reads()
    {
        // The client is in the middle of an audio frame (client → upstream), the upstream between messages.
        await ToUpstream(Binary(3200, masked: true)[..100]);
        await ToClient(SessionFrames.UpstreamText(SessionFrames.Welcome));

        var toClient = _client.InjectAsync(Warning, seal: false);
        var toUpstream = _upstream.InjectAsync(ProxyCloseToUpstream, seal: true);

        Assert.True(toClient.IsCompletedSuccessfully);
        Assert.False(toUpstream.IsCompleted);
        Assert.True(await toClient);
    }

    [Fact]
    public async Task A_write_failure_ends_the_side_and_fails_the_pending_injection()
    {
        var audio = Binary(300, masked: false);
        await ToClient(audio[..50]);
        var injected = _client.InjectAsync(Warning, seal: false);

        _clientWire.WriteFailure = new IOException("reset");
        _session.Tunnel.UpstreamParser.Parse(audio.AsSpan(50));
        await Assert.ThrowsAsync<IOException>(async () => await _client.WriteAsync(audio.AsMemory(50)));

        Assert.False(await injected.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    /// <summary>Upstream → client: parsed on the upstream side's read, then written to the client side.</summary>
    private async Task ToClient(byte[] chunk)
    {
        _session.Tunnel.UpstreamParser.Parse(chunk);
        await _client.WriteAsync(chunk);
    }

    /// <summary>Client → upstream: parsed on the client side's read, then written to the upstream side.</summary>
    private async Task ToUpstream(byte[] chunk)
    {
        _session.Tunnel.ClientParser.Parse(chunk);
        await _upstream.WriteAsync(chunk);
    }

    private static async Task<byte[]> InjectIntoClientSide(byte[] stream, int split, bool seal)
    {
        using var fixture = new MeteredTunnelStreamTests();
        if (split > 0)
        {
            await fixture.ToClient(stream[..split]);
        }

        var injected = fixture._client.InjectAsync(ErrorAndClose, seal);
        if (split < stream.Length)
        {
            await fixture.ToClient(stream[split..]);
        }

        Assert.True(await injected.WaitAsync(TimeSpan.FromSeconds(10)));
        return fixture._clientWire.Written;
    }

    /// <summary>A server byte stream and the offsets between two whole messages (or lone control frames) in it.</summary>
    private static (byte[] Stream, List<int> Boundaries) ServerConversation()
    {
        byte[][] messages =
        [
            SessionFrames.UpstreamText(SessionFrames.Welcome),
            Binary(130, masked: false),
            Ping("p", masked: false),
            Concat(
                Text("""{"type":"Conversa""", masked: false, fin: false),
                Pong(string.Empty, masked: false),
                Continuation(string.Empty, masked: false, fin: false),
                Continuation("""tionText"}""", masked: false, fin: true)),
            Text(string.Empty, masked: false),
            Concat(Binary(20, masked: false, fin: false), Ping(string.Empty, masked: false), BinaryContinuation(300, masked: false, fin: true)),
            Binary(0, masked: false),
        ];

        var boundaries = new List<int> { 0 };
        foreach (var message in messages)
        {
            boundaries.Add(boundaries[^1] + message.Length);
        }

        return (Concat(messages), boundaries);
    }

    private static RecordingObserver AssertValidServerFrames(byte[] bytes) => AssertValid(bytes, masked: false);

    private static RecordingObserver AssertValidClientFrames(byte[] bytes) => AssertValid(bytes, masked: true);

    private static RecordingObserver AssertValid(byte[] bytes, bool masked)
    {
        using var harness = new ParserHarness(clientToServer: masked).Feed(bytes);
        Assert.Empty(harness.Observer.Errors);
        Assert.True(harness.Parser.AtMessageBoundary);
        return harness.Observer;
    }
}
