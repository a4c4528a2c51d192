using Proxy.Tunnel;
using Proxy.Metering;

namespace Proxy.Sessions;

/// <summary>
/// One client's agent session from admission to its final record. Its <see cref="Tunnel"/> reports frame events and
/// connection ends (<see cref="ITunnelObserver"/>); everything the session turns into a record is decided from those
/// events, never from how a copy loop ended (a clean WebSocket close often ends one as a cancellation).
/// </summary>
internal sealed class AgentSession : ITunnelObserver, IDisposable
{
    private static readonly TimeSpan UpstreamLostNoticeTimeout = TimeSpan.FromMilliseconds(500);

    private readonly TimeProvider _time;
    private readonly AgentMessageFacts _messages;
    private readonly SessionEnding _ending;

    private long _upstreamOpenedTimestamp;
    private long _upstreamOpenedAtMs;
    private int _upstreamStatus;
    private bool _tunnelEnded;
    private bool _upstreamKeyLeaseHeld;
    private SessionPolicy _policy;
    private ProxyCloseRequest? _proxyClose;

    public AgentSession(SessionIdentity identity, TimeProvider time, int settingsCaptureLimit, SessionPolicy policy, FrameLimits? clientLimits = null)
    {
        Identity = identity;
        _time = time;
        _messages = new AgentMessageFacts(settingsCaptureLimit);
        _policy = policy;
        ClientOpenedAtMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        Activity = new SessionActivity(time.GetTimestamp());
        _ending = new SessionEnding(time);
        Tunnel = new SessionTunnel(this, clientLimits);
    }

    public SessionIdentity Identity { get; }

    public string SessionId => Identity.SessionId;

    public long ClientOpenedAtMs { get; }

    /// <summary>The session's connections, parsers and meters.</summary>
    public SessionTunnel Tunnel { get; }

    /// <summary>Client → upstream ("in": into the agent).</summary>
    public DirectionMeter Inbound => Tunnel.Inbound;

    /// <summary>Upstream → client ("out": the agent's answers).</summary>
    public DirectionMeter Outbound => Tunnel.Outbound;

    public string? DeepgramRequestId => _messages.DeepgramRequestId;

    public AgentSettingsSummary? Settings => _messages.Settings;

    public long KeepAlives => _messages.KeepAlives;

    /// <summary>The HTTP status the upstream refused the upgrade with, if it did.</summary>
    public int? UpstreamStatus => NullIfZero(_upstreamStatus);

    public bool UpstreamOpened => Volatile.Read(ref _upstreamOpenedAtMs) != 0;

    /// <summary>When the upstream accepted the session (Unix ms; 0 before it): the instant that picks its plan version
    /// and the month its cost counts to.</summary>
    public long UpstreamOpenedAtMs => Volatile.Read(ref _upstreamOpenedAtMs);

    /// <summary>The rules this session runs under; replaced when an admin changes its customer's settings.</summary>
    public SessionPolicy Policy
    {
        get => Volatile.Read(ref _policy);
        set
        {
            // New limits get their own warning, even when the old ones had been warned about already.
            if (Volatile.Read(ref _policy) != value)
            {
                IdleWarningSentFor = 0;
                MaxDurationWarningSent = false;
            }

            Volatile.Write(ref _policy, value);
        }
    }

    public SessionActivity Activity { get; }

    /// <summary>Monotonic timestamp of the upstream's acceptance (0 before it).</summary>
    public long UpstreamOpenedTimestamp => UpstreamOpened ? _upstreamOpenedTimestamp : 0;

    /// <summary>The tunnel is done with the session: nothing more can be sent, only the record remains.</summary>
    public bool TunnelEnded => Volatile.Read(ref _tunnelEnded);

    public void MarkTunnelEnded() => Volatile.Write(ref _tunnelEnded, true);

    /// <summary>Whether the session holds its lease on its capped Deepgram key (<see cref="SessionIdentity.UpstreamKeyFingerprint"/>);
    /// false when it was admitted while Redis could not be asked, until a heartbeat takes one.</summary>
    public bool UpstreamKeyLeaseHeld
    {
        get => Volatile.Read(ref _upstreamKeyLeaseHeld);
        set => Volatile.Write(ref _upstreamKeyLeaseHeld, value);
    }

    /// <summary>Set once the proxy decided to end the session itself.</summary>
    public ProxyCloseRequest? ProxyClose => Volatile.Read(ref _proxyClose);

    /// <summary>The idle period (its last activity) a warning was sent for; 0 when none under the current policy.</summary>
    internal long IdleWarningSentFor { get; private set; }

    /// <summary>The max-duration warning went out under the current policy.</summary>
    internal bool MaxDurationWarningSent { get; private set; }

    /// <summary>True once per idle period (the one that began at <paramref name="lastActivity"/>): the caller sends
    /// its warning. A new policy gets its own.</summary>
    internal bool TryClaimIdleWarning(long lastActivity)
    {
        if (IdleWarningSentFor == lastActivity)
        {
            return false;
        }

        IdleWarningSentFor = lastActivity;
        return true;
    }

    /// <summary>True the first time under the current policy: the caller sends the max-duration warning.</summary>
    internal bool TryClaimMaxDurationWarning()
    {
        if (MaxDurationWarningSent)
        {
            return false;
        }

        MaxDurationWarningSent = true;
        return true;
    }

    /// <summary>Sends the client a JSON Warning between two messages; false when it could not (session closing).</summary>
    public Task<bool> SendWarningAsync(string code, string description)
    {
        var stream = Tunnel.ClientStream;
        return stream is null || ProxyClose is not null
            ? Task.FromResult(false)
            : stream.InjectAsync(WebSocketFrameWriter.Text(AgentControlMessages.Warning(code, description), masked: false), seal: false);
    }

    /// <summary>
    /// The upstream connection dropped without a Close (crash, network). Before the tunnel drops the client too, the
    /// client gets Close 1014 (bad gateway) so it knows the gateway is not at fault, and reconnects. Only when the
    /// client side is between messages; otherwise the client just sees the connection end.
    /// </summary>
    public async Task OnUpstreamLostAsync()
    {
        var client = Tunnel.ClientStream;
        if (client is null || _ending.FirstClose != CloseOrigin.None || ProxyClose is not null || TunnelEnded)
        {
            return;
        }

        var close = WebSocketFrameWriter.Close(1014, "upstream connection lost", masked: false);
        try
        {
            await client.InjectAsync(close, seal: true, controlOnly: true).WaitAsync(UpstreamLostNoticeTimeout, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The client side was in the middle of a message that will never be finished: nothing can be said.
        }
    }

    /// <summary>
    /// Ends the session from the proxy: the client gets a JSON Error and a Close with the requested code, the
    /// upstream a Close 1000, each between two messages so no frame is cut; then the peers get
    /// <paramref name="grace"/> to finish the close handshake before both connections are aborted. The record
    /// ends when the upstream connection has really ended.
    /// </summary>
    public async Task CloseByProxyAsync(ProxyCloseRequest request, TimeSpan grace)
    {
        if (TunnelEnded || Interlocked.CompareExchange(ref _proxyClose, request, null) is not null)
        {
            return;
        }

        var client = Tunnel.ClientStream;
        var upstream = Tunnel.UpstreamStream;
        if (client is null || upstream is null)
        {
            // Not upgraded yet (or the tunnel is gone): nothing to say a word to.
            Tunnel.Abort();
            return;
        }

        if (_ending.TryClaimFirstClose(CloseOrigin.Proxy, request.ClientCloseCode))
        {
            var close = WebSocketFrameWriter.Close(request.ClientCloseCode, request.ErrorCode, masked: false);
            var toClient = request.SendErrorMessage
                ? WebSocketFrameWriter.Concat(WebSocketFrameWriter.Text(AgentControlMessages.Error(request.ErrorCode, request.Description), masked: false), close)
                : close;
            var toUpstream = WebSocketFrameWriter.Close(request.UpstreamCloseCode, "closed by proxy", masked: true);
            Tunnel.ExpectUpstreamEnd();
            // A peer stalled in the middle of a frame (or not reading) keeps its side from ever reaching a message
            // boundary: after the grace both connections are cut, which ends the billing as surely.
            bool injected;
            try
            {
                injected = await Task.WhenAll(
                        client.InjectAsync(toClient, seal: true, controlOnly: !request.SendErrorMessage),
                        upstream.InjectAsync(toUpstream, seal: true, controlOnly: true))
                    .WaitAsync(grace, _time).ConfigureAwait(false) is [true, true];
            }
            catch (TimeoutException)
            {
                injected = false;
            }

            if (!injected)
            {
                _ending.MarkCloseUndelivered();
                Tunnel.Abort();
                return;
            }
        }

        // A peer's Close was already under way (or ours went out): either way the upstream must now go away.
        if (!await _ending.WaitForUpstreamEndAsync(grace).ConfigureAwait(false))
        {
            Tunnel.Abort();
        }
    }

    /// <summary>The upstream accepted the session at these instants (monotonic timestamp and Unix ms).</summary>
    public void OnUpstreamOpened(long timestamp, long atMs)
    {
        // Idle time counts from here: waiting for the upstream is not the client being idle.
        Activity.Reset(timestamp);
        _upstreamOpenedTimestamp = timestamp;
        Volatile.Write(ref _upstreamOpenedAtMs, atMs);
    }

    public void OnUpstreamRefused(int statusCode) => _upstreamStatus = statusCode;

    /// <summary>
    /// A side's connection ended: end of stream, an I/O error, or the tunnel letting go of it. Only the first call per
    /// side counts; the first side overall decides the close reason when no Close frame was seen.
    /// </summary>
    public void OnEnded(TunnelSide side) => _ending.MarkEnded(side);

    public void OnEnded(TunnelSide side, TimeSpan sinceEnd) => _ending.MarkEnded(side, sinceEnd);

    /// <summary>Characters of the upstream's ConversationText with role user so far.</summary>
    public long UserChars => _messages.UserChars;

    /// <summary>Characters of the upstream's ConversationText with role assistant so far.</summary>
    public long AssistantChars => _messages.AssistantChars;

    public int TextCaptureLimit(TunnelSide from) => _messages.TextCaptureLimit(from);

    public int ExtendedTextCaptureLimit(TunnelSide from, ReadOnlySpan<byte> prefix) => _messages.ExtendedTextCaptureLimit(from, prefix);

    public void OnTextMessage(TunnelSide from, ReadOnlySpan<byte> payload, long messageLength)
    {
        var complete = payload.Length == messageLength;
        var kind = AgentMessageSniffer.Sniff(payload, complete);
        var now = _time.GetTimestamp();
        if (from == TunnelSide.Client)
        {
            Activity.Touch(kind == AgentMessageKind.KeepAlive ? ActivityKind.ClientKeepAlive : ActivityKind.ClientMessage, now);
        }
        else
        {
            Activity.Touch(ActivityKind.UpstreamData, now);
        }

        _messages.Read(from, kind, payload, complete);
    }

    /// <summary>A frame header went by: binary frames and pings are activity as they start.</summary>
    public void OnFrame(TunnelSide from, WebSocketOpcode frameOpcode, WebSocketOpcode messageOpcode)
    {
        ActivityKind kind;
        if (messageOpcode == WebSocketOpcode.Binary)
        {
            kind = from == TunnelSide.Client ? ActivityKind.ClientAudio : ActivityKind.UpstreamData;
        }
        else if (frameOpcode is WebSocketOpcode.Ping or WebSocketOpcode.Pong)
        {
            kind = from == TunnelSide.Client ? ActivityKind.ClientPing : ActivityKind.UpstreamPing;
        }
        else
        {
            return;
        }

        Activity.Touch(kind, _time.GetTimestamp());
    }

    public void OnCloseFrame(TunnelSide from, int? code)
    {
        // The client's Close goes upstream next: the upstream's answer (its Close, then its FIN) ends the session,
        // and the kernel's receive time of that answer is when it ended, however late the proxy reads it.
        if (from == TunnelSide.Client)
        {
            Tunnel.ExpectUpstreamEnd();
        }

        // 1005: "no status code was present" (RFC 6455 §7.4.1). The parser reports only codes a peer may send (a
        // Close with another is a protocol violation), so an observed-only code is never stored as the peer's.
        _ending.TryClaimFirstClose((CloseOrigin)from, code ?? WebSocketCloseCodes.NoStatusReceived);
    }

    public void OnProtocolError(TunnelSide from, FrameProtocolError error)
    {
        ProtocolErrorSide = from;
        ProtocolError = error;
        if (error != FrameProtocolError.InspectionFailed)
        {
            ProtocolViolation?.Invoke(this, from, error);
        }
    }

    /// <summary>Raised (on the copy loop) when a peer breaks the protocol or a limit; the proxy then ends the session.</summary>
    public Action<AgentSession, TunnelSide, FrameProtocolError>? ProtocolViolation { get; set; }

    /// <summary>The exception that stopped the inspection of a direction (a proxy bug, logged when the session ends).</summary>
    public Exception? InspectionFailure { get; private set; }

    public void OnInspectionFailed(TunnelSide from, Exception exception) => InspectionFailure ??= exception;

    public TunnelSide ProtocolErrorSide { get; private set; }

    public FrameProtocolError ProtocolError { get; private set; }

    public SessionRecord ToOpenRecord() => SessionRecordBuilder.Build(Facts(final: false));

    /// <summary>The final record. Call after the tunnel has ended; a side that never reported its end ends now.</summary>
    public SessionRecord ToFinalRecord()
    {
        if (UpstreamOpened)
        {
            OnEnded(TunnelSide.Upstream);
        }

        OnEnded(TunnelSide.Client);
        return SessionRecordBuilder.Build(Facts(final: true));
    }

    public void Dispose() => Tunnel.Dispose();

    private SessionFacts Facts(bool final)
    {
        var upstreamOpenedAtMs = Volatile.Read(ref _upstreamOpenedAtMs);
        var facts = new SessionFacts
        {
            SessionId = Identity.SessionId,
            ClientSessionId = Identity.ClientSessionId,
            CustomerId = Identity.CustomerId,
            KeyId = Identity.KeyId,
            Credential = Identity.Credential,
            PlanId = Identity.PlanId,
            InstanceId = Identity.InstanceId,
            DeepgramRequestId = DeepgramRequestId,
            Settings = Settings,
            ClientOpenedAtMs = ClientOpenedAtMs,
            UpstreamOpenedAtMs = NullIfZero(upstreamOpenedAtMs),
            FramesIn = Inbound.Frames,
            FramesOut = Outbound.Frames,
            BytesIn = Inbound.Bytes,
            BytesOut = Outbound.Bytes,
            ClientAudioBytes = Inbound.BinaryPayloadBytes,
            AgentAudioBytes = Outbound.BinaryPayloadBytes,
            UserChars = UserChars,
            AssistantChars = AssistantChars,
            ModelUpdates = _messages.ModelUpdates(),
        };

        return final ? facts with
        {
            LastActivityMs = LastActivityMs(),
            UpstreamStatus = NullIfZero(_upstreamStatus),
            End = _ending.Describe(upstreamOpenedAtMs != 0, _upstreamOpenedTimestamp, ProxyClose),
        } : facts;
    }

    /// <summary>The last traffic that counted as activity under the current policy, as a wall-clock instant.</summary>
    private long LastActivityMs() =>
        _time.GetUtcNow().ToUnixTimeMilliseconds() - (long)_time.GetElapsedTime(Policy.LastActivity(Activity)).TotalMilliseconds;

    private static long? NullIfZero(long value) => value == 0 ? null : value;

    private static int? NullIfZero(int value) => value == 0 ? null : value;
}
