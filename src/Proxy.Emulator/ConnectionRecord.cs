namespace Proxy.Emulator;

/// <summary>The live measurement of one accepted connection; the session updates it, the HTTP API reads it.</summary>
internal sealed class ConnectionRecord
{
    private readonly Lock _gate = new();
    private readonly string _path;
    private readonly string _query;
    private readonly string _authMethod;
    private readonly string _apiKeySha256;
    private readonly string _apiKeyId;
    private readonly string _credential;
    private readonly string[] _requestedProtocols;
    private readonly Dictionary<string, string> _requestHeaders;
    private readonly long _openedAtMs;

    private long _messagesReceived;
    private long _messagesSent;
    private long _binaryBytesReceived;
    private string? _settings;
    private long? _closedAtMs;
    private TimeSpan? _peerGoneAfter;
    private DateTimeOffset _peerGoneAt;
    private double? _durationMs;
    private int? _closeStatus;
    private string _closeInitiator = CloseInitiators.None;
    private string? _endReason;
    private int? _clientCloseStatus;

    public ConnectionRecord(
        string requestId,
        string path,
        string query,
        string authMethod,
        string apiKeySha256,
        string apiKeyId,
        string credential,
        string[] requestedProtocols,
        Dictionary<string, string> requestHeaders,
        long openedAtMs,
        long acceptedTimestamp,
        int remotePort)
    {
        RequestId = requestId;
        _path = path;
        _query = query;
        _authMethod = authMethod;
        _apiKeySha256 = apiKeySha256;
        _apiKeyId = apiKeyId;
        _credential = credential;
        _requestedProtocols = requestedProtocols;
        _requestHeaders = requestHeaders;
        _openedAtMs = openedAtMs;
        AcceptedTimestamp = acceptedTimestamp;
        RemotePort = remotePort;
    }

    public string RequestId { get; }

    /// <summary>Monotonic timestamp taken when AcceptWebSocketAsync returned; duration_ms counts from it.</summary>
    public long AcceptedTimestamp { get; }

    /// <summary>The client's TCP port: what ties this connection to its packets in a capture (the precision
    /// benchmark matches a proxy's upstream connections to its records through it).</summary>
    public int RemotePort { get; }

    public void RecordBinaryBytesReceived(int bytes)
    {
        lock (_gate)
        {
            _binaryBytesReceived += bytes;
        }
    }

    public void RecordMessageReceived()
    {
        lock (_gate)
        {
            _messagesReceived++;
        }
    }

    public void RecordSent()
    {
        lock (_gate)
        {
            _messagesSent++;
        }
    }

    public void RecordSettings(string settingsJson)
    {
        lock (_gate)
        {
            _settings ??= settingsJson;
        }
    }

    /// <summary>Records how the WebSocket session ended; only the first call counts, so racing end paths cannot
    /// overwrite it. The connection itself is still up until <see cref="MarkConnectionEnded"/>.</summary>
    public void MarkSessionEnded(int? closeStatus, string closeInitiator, string endReason)
    {
        lock (_gate)
        {
            if (_endReason is not null)
            {
                return;
            }

            _closeStatus = closeStatus;
            _closeInitiator = closeInitiator;
            _endReason = endReason;
        }
    }

    /// <summary>The status of the Close frame the client sent (first or in reply), null when it had none.</summary>
    public void RecordClientCloseStatus(int? status)
    {
        lock (_gate)
        {
            _clientCloseStatus = status;
        }
    }

    /// <summary>
    /// The connection died under the session (the peer dropped it, or the emulator aborted it): it ended then, even
    /// though the handler and Kestrel take a while longer to notice and tear it down.
    /// </summary>
    public void MarkPeerGone(TimeSpan duration, DateTimeOffset at)
    {
        lock (_gate)
        {
            // The earliest report wins: the transport's own (at teardown) can arrive after the handler's later one.
            if (_closedAtMs is null && (_peerGoneAfter is null || duration < _peerGoneAfter))
            {
                _peerGoneAfter = duration;
                _peerGoneAt = at;
            }
        }
    }

    /// <summary>
    /// The TCP connection is gone: this is the end of what Deepgram would bill, taken by Kestrel's connection
    /// middleware when the connection is torn down, after the handler's own work is done.
    /// </summary>
    public void MarkConnectionEnded(TimeSpan duration, DateTimeOffset closedAt)
    {
        lock (_gate)
        {
            if (_closedAtMs is not null)
            {
                return;
            }

            if (_peerGoneAfter is { } goneAfter)
            {
                duration = goneAfter;
                closedAt = _peerGoneAt;
            }

            _durationMs = duration.TotalMilliseconds;
            _endReason ??= EndReasons.ClientDisconnect;

            // Written last: a reader that sees closed_at_ms set sees every other close field too.
            _closedAtMs = closedAt.ToUnixTimeMilliseconds();
        }
    }

    public ConnectionSnapshot ToSnapshot()
    {
        lock (_gate)
        {
            return new ConnectionSnapshot
            {
                RequestId = RequestId,
                RemotePort = RemotePort,
                Path = _path,
                Query = _query,
                AuthMethod = _authMethod,
                ApiKeySha256 = _apiKeySha256,
                ApiKeyId = _apiKeyId,
                Credential = _credential,
                RequestedProtocols = _requestedProtocols,
                RequestHeaders = _requestHeaders,
                OpenedAtMs = _openedAtMs,
                ClosedAtMs = _closedAtMs,
                DurationMs = _durationMs,
                CloseStatus = _closeStatus,
                CloseInitiator = _closeInitiator,
                EndReason = _endReason,
                ClientCloseStatus = _clientCloseStatus,
                MessagesReceived = _messagesReceived,
                MessagesSent = _messagesSent,
                BinaryBytesReceived = _binaryBytesReceived,
                Settings = _settings,
                State = _closedAtMs is null ? ConnectionStates.Open : ConnectionStates.Closed,
            };
        }
    }
}
