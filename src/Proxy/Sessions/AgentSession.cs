using Proxy.Forwarding;
using Proxy.Metering;

namespace Proxy.Sessions;

/// <summary>
/// One client's agent session from admission to its final record. The two copy loops feed it frame events and
/// connection ends; everything it turns into a record is decided from those events, never from the forwarder's
/// result (a clean WebSocket close often comes back from YARP as a cancellation).
/// </summary>
internal sealed class AgentSession : IDisposable
{
    // Enough for a KeepAlive or a Welcome to be recognised; Settings get the configured limit.
    private const int SmallMessageCaptureLimit = 512;

    private readonly TimeProvider _time;
    private readonly int _settingsCaptureLimit;
    private readonly Lock _endGate = new();

    private long _upstreamOpenedTimestamp;
    private long _upstreamOpenedAtMs;
    private long _upstreamClosedTimestamp;
    private long _upstreamClosedAtMs;
    private long _clientClosedAtMs;
    private int _firstEndedSide;
    private int _firstCloseFrom;
    private int _closeCode;
    private int _upstreamStatus;
    private int _shutdownRequested;
    private Action? _abort;

    public AgentSession(SessionIdentity identity, TimeProvider time, int settingsCaptureLimit)
    {
        Identity = identity;
        _time = time;
        _settingsCaptureLimit = settingsCaptureLimit;
        ClientOpenedAtMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        Inbound = new DirectionMeter(this, TunnelSide.Client);
        Outbound = new DirectionMeter(this, TunnelSide.Upstream);
        ClientParser = new WebSocketFrameParser(Inbound, expectMasked: true);
        UpstreamParser = new WebSocketFrameParser(Outbound, expectMasked: false);
    }

    public SessionIdentity Identity { get; }

    public string SessionId => Identity.SessionId;

    public long ClientOpenedAtMs { get; }

    /// <summary>Client → upstream ("in": into the agent).</summary>
    public DirectionMeter Inbound { get; }

    /// <summary>Upstream → client ("out": the agent's answers).</summary>
    public DirectionMeter Outbound { get; }

    public WebSocketFrameParser ClientParser { get; }

    public WebSocketFrameParser UpstreamParser { get; }

    public string? DeepgramRequestId { get; private set; }

    public AgentSettingsSummary? Settings { get; private set; }

    public long KeepAlives { get; private set; }

    /// <summary>The HTTP status the upstream refused the upgrade with, if it did.</summary>
    public int? UpstreamStatus => NullIfZero(_upstreamStatus);

    public bool UpstreamOpened => Volatile.Read(ref _upstreamOpenedAtMs) != 0;

    public bool ShutdownRequested => Volatile.Read(ref _shutdownRequested) != 0;

    /// <summary>The pending write of the open record, awaited before the final one so they land in order.</summary>
    public Task? OpenRecordWrite { get; set; }

    public WebSocketFrameParser ParserFor(TunnelSide from) => from == TunnelSide.Client ? ClientParser : UpstreamParser;

    public DirectionMeter MeterFor(TunnelSide from) => from == TunnelSide.Client ? Inbound : Outbound;

    public void AttachAbort(Action abort) => _abort = abort;

    /// <summary>The upstream accepted the session at these instants (monotonic timestamp and Unix ms).</summary>
    public void MarkUpstreamOpened(long timestamp, long atMs)
    {
        _upstreamOpenedTimestamp = timestamp;
        Volatile.Write(ref _upstreamOpenedAtMs, atMs);
    }

    public void MarkUpstreamRefused(int statusCode) => _upstreamStatus = statusCode;

    /// <summary>
    /// A side's connection ended: end of stream, an I/O error, or the tunnel letting go of it. Only the first call per
    /// side counts; the first side overall decides the close reason when no Close frame was seen.
    /// </summary>
    public void MarkEnded(TunnelSide side)
    {
        var timestamp = _time.GetTimestamp();
        var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();

        // A few calls per session from the two copy loops and the disposals: a lock keeps each side's instants
        // consistent with each other (a reader never sees the wall instant without the monotonic one).
        lock (_endGate)
        {
            if (side == TunnelSide.Upstream)
            {
                if (_upstreamClosedAtMs != 0)
                {
                    return;
                }

                _upstreamClosedTimestamp = timestamp;
                _upstreamClosedAtMs = nowMs;
            }
            else
            {
                if (_clientClosedAtMs != 0)
                {
                    return;
                }

                _clientClosedAtMs = nowMs;
            }

            if (_firstEndedSide == 0)
            {
                _firstEndedSide = (int)side;
            }
        }
    }

    /// <summary>Asks the session to end because the process is stopping.</summary>
    public void RequestShutdown()
    {
        if (Interlocked.Exchange(ref _shutdownRequested, 1) == 0)
        {
            _abort?.Invoke();
        }
    }

    internal int TextCaptureLimit(TunnelSide from) => from switch
    {
        TunnelSide.Client when Settings is null => _settingsCaptureLimit,
        TunnelSide.Client => SmallMessageCaptureLimit,
        _ when DeepgramRequestId is null => SmallMessageCaptureLimit,
        _ => 0,
    };

    internal void OnTextMessage(TunnelSide from, ReadOnlySpan<byte> payload, long messageLength)
    {
        var complete = payload.Length == messageLength;
        var kind = AgentMessageSniffer.Sniff(payload, complete);
        if (from == TunnelSide.Client)
        {
            if (kind == AgentMessageKind.KeepAlive)
            {
                KeepAlives++;
            }
            else if (kind == AgentMessageKind.Settings && Settings is null)
            {
                // A Settings larger than the inspection limit is still forwarded whole; only its models go unread.
                Settings = complete ? AgentSettingsInspector.Inspect(payload) : AgentSettingsSummary.Unreadable;
            }
        }
        else if (kind == AgentMessageKind.Welcome && DeepgramRequestId is null && complete)
        {
            DeepgramRequestId = WelcomeReader.ReadRequestId(payload);
        }
    }

    internal void OnCloseFrame(TunnelSide from, int? code)
    {
        if (Interlocked.CompareExchange(ref _firstCloseFrom, (int)from, 0) == 0)
        {
            // 1005: "no status code was present" (RFC 6455 §7.4.1).
            _closeCode = code ?? 1005;
        }
    }

    internal void OnProtocolError(TunnelSide from, FrameProtocolError error)
    {
        ProtocolErrorSide = from;
        ProtocolError = error;
    }

    /// <summary>The exception that stopped the inspection of a direction (a proxy bug, logged when the session ends).</summary>
    public Exception? InspectionFailure { get; private set; }

    internal void OnInspectionFailed(TunnelSide from, Exception exception) => InspectionFailure ??= exception;

    public TunnelSide ProtocolErrorSide { get; private set; }

    public FrameProtocolError ProtocolError { get; private set; }

    public SessionRecord ToOpenRecord() => BuildRecord(final: false);

    /// <summary>The final record. Call after the tunnel has ended; a side that never reported its end ends now.</summary>
    public SessionRecord ToFinalRecord()
    {
        if (UpstreamOpened)
        {
            MarkEnded(TunnelSide.Upstream);
        }

        MarkEnded(TunnelSide.Client);
        return BuildRecord(final: true);
    }

    public void Dispose()
    {
        ClientParser.Dispose();
        UpstreamParser.Dispose();
    }

    private SessionRecord BuildRecord(bool final)
    {
        var upstreamOpenedAtMs = Volatile.Read(ref _upstreamOpenedAtMs);
        long clientClosedAtMs;
        long upstreamClosedAtMs;
        long upstreamClosedTimestamp;
        lock (_endGate)
        {
            clientClosedAtMs = _clientClosedAtMs;
            upstreamClosedAtMs = _upstreamClosedAtMs;
            upstreamClosedTimestamp = _upstreamClosedTimestamp;
        }

        long? durationMs = null;
        if (final && upstreamOpenedAtMs != 0)
        {
            durationMs = BillingRules.ToMilliseconds(_time.GetElapsedTime(_upstreamOpenedTimestamp, upstreamClosedTimestamp));
        }

        var settings = Settings;
        var record = new SessionRecord
        {
            SessionId = Identity.SessionId,
            ClientSessionId = Identity.ClientSessionId,
            CustomerId = Identity.CustomerId,
            KeyId = Identity.KeyId,
            PlanId = Identity.PlanId,
            InstanceId = Identity.InstanceId,
            DeepgramRequestId = DeepgramRequestId,
            AgentConfigId = settings?.AgentConfigId,
            ClientOpenedAtMs = ClientOpenedAtMs,
            UpstreamOpenedAtMs = NullIfZero(upstreamOpenedAtMs),
            FramesIn = Inbound.Frames,
            FramesOut = Outbound.Frames,
            BytesIn = Inbound.Bytes,
            BytesOut = Outbound.Bytes,
            AudioMsIn = BillingRules.AudioMs(Inbound.BinaryPayloadBytes, settings?.InputEncoding, settings?.InputSampleRate),
            ListenModel = settings?.ListenModel,
            ThinkProvider = settings?.ThinkProvider,
            ThinkModel = settings?.ThinkModel,
            SpeakModel = settings?.SpeakModel,
            Tags = settings?.Tags ?? [],
            Status = SessionStatus.Open,
            LastSeenMs = upstreamOpenedAtMs != 0 ? upstreamOpenedAtMs : ClientOpenedAtMs,
        };

        if (!final)
        {
            return record;
        }

        var firstClose = (TunnelSide)Volatile.Read(ref _firstCloseFrom);
        return record with
        {
            UpstreamClosedAtMs = NullIfZero(upstreamClosedAtMs),
            ClientClosedAtMs = clientClosedAtMs,
            DurationMs = durationMs,
            BillableMs = BillingRules.BillableMs(durationMs),
            CloseReason = CloseReason(firstClose),
            CloseCode = upstreamOpenedAtMs == 0 ? null : firstClose == TunnelSide.None ? 1006 : _closeCode,
            CloseInitiator = firstClose switch
            {
                TunnelSide.Client => CloseInitiators.Client,
                TunnelSide.Upstream => CloseInitiators.Upstream,
                _ => CloseInitiators.None,
            },
            UpstreamStatus = NullIfZero(_upstreamStatus),
            Status = SessionStatus.Closed,
            LastSeenMs = clientClosedAtMs,
        };
    }

    private string CloseReason(TunnelSide firstClose)
    {
        if (ShutdownRequested)
        {
            return CloseReasons.Shutdown;
        }

        if (!UpstreamOpened)
        {
            return CloseReasons.UpstreamError;
        }

        return firstClose switch
        {
            TunnelSide.Client => CloseReasons.ClientClosed,
            TunnelSide.Upstream => CloseReasons.UpstreamClosed,

            // No Close frame: whichever connection dropped first is at fault.
            _ => FirstEndedSide() == TunnelSide.Upstream
                ? CloseReasons.UpstreamError
                : CloseReasons.ClientError,
        };
    }

    private TunnelSide FirstEndedSide()
    {
        lock (_endGate)
        {
            return (TunnelSide)_firstEndedSide;
        }
    }

    private static long? NullIfZero(long value) => value == 0 ? null : value;

    private static int? NullIfZero(int value) => value == 0 ? null : value;
}
