namespace Proxy.Emulator;

/// <summary>The instant the transport first reported the peer's end (FIN or reset), as the socket layer saw it.</summary>
internal sealed class PeerEndStamp
{
    private readonly TimeProvider _time;
    private long _timestamp;
    private DateTimeOffset _at;

    public PeerEndStamp(TimeProvider time)
    {
        _time = time;
    }

    public bool TryGet(out long timestamp, out DateTimeOffset at)
    {
        lock (this)
        {
            timestamp = _timestamp;
            at = _at;
            return timestamp != 0;
        }
    }

    public void Mark()
    {
        var timestamp = _time.GetTimestamp();
        var at = _time.GetUtcNow();
        lock (this)
        {
            if (_timestamp == 0)
            {
                _timestamp = timestamp;
                _at = at;
            }
        }
    }
}
