namespace Proxy.Forwarding;

/// <summary>
/// Carries, within one upgrade request's async flow, what the upstream connection saw at socket level: when the
/// first response bytes arrived (the 101, before any HTTP parsing) and which connection stream that was. The HTTP
/// handler reads the response headers in the request's own flow, so the connection stream finds the probe there.
/// </summary>
internal sealed class UpstreamConnectionProbe
{
    private static readonly AsyncLocal<UpstreamConnectionProbe?> CurrentProbe = new();

    public static UpstreamConnectionProbe? Current
    {
        get => CurrentProbe.Value;
        set => CurrentProbe.Value = value;
    }

    public UpstreamConnectionStream? Connection { get; private set; }

    public long FirstResponseTimestamp { get; private set; }

    public long FirstResponseAtMs { get; private set; }

    public void OnFirstResponseBytes(UpstreamConnectionStream connection, long timestamp, long atMs)
    {
        if (Connection is null)
        {
            Connection = connection;
            FirstResponseTimestamp = timestamp;
            FirstResponseAtMs = atMs;
        }
    }
}
