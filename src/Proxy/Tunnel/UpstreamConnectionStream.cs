using System.Net.Sockets;

namespace Proxy.Tunnel;

/// <summary>
/// The upstream connection's plaintext stream (after TLS), below HTTP. It timestamps the first response bytes, the
/// closest the proxy can get to the instant the upstream accepted the session, and the socket-level end of the
/// connection, the instant billing stops. The session's observer is attached once the response turned out to be a 101.
/// Made by <see cref="UpstreamUpgradeHandler"/>, which hands it to the observer with the request.
/// </summary>
internal sealed class UpstreamConnectionStream : ObservedStream
{
    /// <summary>A kernel stamp older than this when the proxy reads it is not believed (a clock step, a stale stamp):
    /// the user-space instant is used instead.</summary>
    internal static readonly TimeSpan MaxKernelStampAge = TimeSpan.FromSeconds(5);

    private readonly TimeProvider _time;
    private readonly Socket _socket;
    private readonly KernelStampedSocketStream? _kernel;
    private ITunnelObserver? _observer;
    private bool _sawResponse;
    private volatile bool _endExpected;

    public UpstreamConnectionStream(Stream inner, Socket socket, KernelStampedSocketStream? kernel, TimeProvider time)
        : base(inner)
    {
        _time = time;
        _socket = socket;
        _kernel = kernel;
    }

    /// <summary>When the first response bytes reached the socket (monotonic timestamp and Unix ms): the upstream's
    /// clock started when it sent them, not when the response head had been parsed. The kernel's receive time of the
    /// segment where it has one, moved into the monotonic clock's domain by its age; else when the read completed.</summary>
    public long FirstResponseTimestamp { get; private set; }

    public long FirstResponseAtMs { get; private set; }

    /// <summary>Whether <see cref="FirstResponseTimestamp"/> is the kernel's receive time.</summary>
    public bool FirstResponseStampedByKernel { get; private set; }

    public void Attach(ITunnelObserver observer) => Volatile.Write(ref _observer, observer);

    protected override void OnRead(ReadOnlySpan<byte> data)
    {
        if (_sawResponse)
        {
            return;
        }

        _sawResponse = true;
        var now = _time.GetTimestamp();
        var nowUtc = _time.GetUtcNow();
        _kernel?.Disarm();
        var age = KernelStampAge();
        FirstResponseStampedByKernel = age is not null;
        FirstResponseTimestamp = now - ((age ?? TimeSpan.Zero).Ticks * _time.TimestampFrequency / TimeSpan.TicksPerSecond);
        FirstResponseAtMs = (nowUtc - (age ?? TimeSpan.Zero)).ToUnixTimeMilliseconds();
    }

    // The kernel stamps CLOCK_REALTIME, so the stamp's age is read on that clock (the system's), whatever clock the
    // proxy otherwise runs on; the age then moves the proxy's own instants back.
    private TimeSpan? KernelStampAge()
    {
        if (_kernel is not { LastArrivalUnixNs: > 0 and var arrivalNs })
        {
            return null;
        }

        var nowNs = (TimeProvider.System.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * 100;
        var age = TimeSpan.FromTicks((nowNs - arrivalNs) / 100);
        return age >= TimeSpan.Zero && age <= MaxKernelStampAge ? age : null;
    }

    protected override void OnEnded() => Volatile.Read(ref _observer)?.OnEnded(TunnelSide.Upstream);

    /// <summary>A Close is on its way to the upstream: its answer (its Close, then at once its FIN) ends the
    /// connection, and from now on the reads carrying it are stamped by the kernel.</summary>
    public void ExpectEnd()
    {
        _endExpected = true;
        _kernel?.ArmForEnd();
    }

    // The upstream ended the stream after answering a Close: it ended when its last words arrived (the FIN carries no
    // stamp, and follows them at once), not when the proxy got round to reading them. An end nobody asked for (the
    // upstream hanging up first) is stamped when it is read.
    protected override void OnEndOfStream()
    {
        var sinceEnd = _endExpected ? KernelStampAge() : null;
        Volatile.Read(ref _observer)?.OnEnded(TunnelSide.Upstream, sinceEnd ?? TimeSpan.Zero);
    }

    // Closing a socket that still has an operation in flight is deferred until that operation has unwound: the FIN
    // goes out right after the end is stamped, so Deepgram's clock stops when the record's does.
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            ShutDown();
        }

        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync()
    {
        ShutDown();
        return base.DisposeAsync();
    }

    private void ShutDown()
    {
        OnEnded();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already closed or reset: nothing left to end.
        }
    }
}
