using Proxy.Metering;
using Proxy.Tunnel;

namespace Proxy.Sessions;

/// <summary>
/// How a session's connections ended: each side's end instant (only the first report per side counts), the side that
/// ended first, and the first Close frame (who sent it, with which code). Written from the two copy loops, the
/// disposals and the proxy's own close; read when the record is built.
/// </summary>
internal sealed class SessionEnding
{
    private readonly TimeProvider _time;

    // A few calls per session: a lock keeps each side's instants consistent with each other (a reader never sees the
    // wall instant without the monotonic one).
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _upstreamEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _upstreamClosedTimestamp;
    private long _upstreamClosedAtMs;
    private long _clientClosedAtMs;
    private TunnelSide _firstEndedSide;
    private int _firstCloseFrom;
    private int _closeCode;

    public SessionEnding(TimeProvider time)
    {
        _time = time;
    }

    /// <summary>Who sent the first Close frame; <see cref="CloseOrigin.None"/> before any.</summary>
    public CloseOrigin FirstClose => (CloseOrigin)Volatile.Read(ref _firstCloseFrom);

    /// <summary>A side's connection ended now, or <paramref name="sinceEnd"/> before now. Only the first call per side
    /// counts.</summary>
    public void MarkEnded(TunnelSide side, TimeSpan sinceEnd = default)
    {
        var timestamp = _time.GetTimestamp() - (sinceEnd.Ticks * _time.TimestampFrequency / TimeSpan.TicksPerSecond);
        var nowMs = (_time.GetUtcNow() - sinceEnd).ToUnixTimeMilliseconds();
        lock (_gate)
        {
            if (side == TunnelSide.Upstream)
            {
                if (_upstreamClosedAtMs != 0)
                {
                    return;
                }

                _upstreamClosedTimestamp = timestamp;
                _upstreamClosedAtMs = nowMs;
                _upstreamEnded.TrySetResult();
            }
            else
            {
                if (_clientClosedAtMs != 0)
                {
                    return;
                }

                _clientClosedAtMs = nowMs;
            }

            if (_firstEndedSide == TunnelSide.None)
            {
                _firstEndedSide = side;
            }
        }
    }

    /// <summary>A Close frame went by (or the proxy is sending its own); true when it is the session's first, whose
    /// origin and code the record keeps.</summary>
    public bool TryClaimFirstClose(CloseOrigin origin, int code)
    {
        if (Interlocked.CompareExchange(ref _firstCloseFrom, (int)origin, 0) != 0)
        {
            return false;
        }

        _closeCode = code;
        return true;
    }

    /// <summary>The proxy's Close could not be delivered: the record says so (1006, as for any connection cut
    /// without one).</summary>
    public void MarkCloseUndelivered() => _closeCode = WebSocketCloseCodes.AbnormalClosure;

    /// <summary>True when the upstream's connection ended within <paramref name="grace"/>.</summary>
    public async Task<bool> WaitForUpstreamEndAsync(TimeSpan grace)
    {
        try
        {
            await _upstreamEnded.Task.WaitAsync(grace, _time).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>What the record needs of the ends; the upstream connection is timed from
    /// <paramref name="upstreamOpenedTimestamp"/> on the monotonic clock.</summary>
    public SessionEnd Describe(bool upstreamOpened, long upstreamOpenedTimestamp, ProxyCloseRequest? proxyClose)
    {
        long clientClosedAtMs;
        long upstreamClosedAtMs;
        long upstreamClosedTimestamp;
        TunnelSide firstEnded;
        lock (_gate)
        {
            clientClosedAtMs = _clientClosedAtMs;
            upstreamClosedAtMs = _upstreamClosedAtMs;
            upstreamClosedTimestamp = _upstreamClosedTimestamp;
            firstEnded = _firstEndedSide;
        }

        var firstClose = FirstClose;
        return new SessionEnd
        {
            UpstreamClosedAtMs = upstreamClosedAtMs == 0 ? null : upstreamClosedAtMs,
            ClientClosedAtMs = clientClosedAtMs,
            UpstreamConnected = upstreamOpened ? _time.GetElapsedTime(upstreamOpenedTimestamp, upstreamClosedTimestamp) : null,
            CloseReason = SessionCloseRules.Reason(firstClose, proxyClose, upstreamOpened, firstEnded),
            CloseCode = SessionCloseRules.Code(firstClose, _closeCode),
            CloseInitiator = SessionCloseRules.Initiator(firstClose),
        };
    }
}
