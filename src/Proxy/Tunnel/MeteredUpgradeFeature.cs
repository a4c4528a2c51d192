using Microsoft.AspNetCore.Http.Features;

namespace Proxy.Tunnel;

/// <summary>
/// Stands in for the request's upgrade feature while the forwarder runs, the way YARP's own WebSocket telemetry does.
/// Kestrel writes the 101; the connection is then handed off (<see cref="ConnectionHandoff"/>): the session's client
/// side is a <see cref="MeteredTunnelStream"/> on the connection's own pipe (<see cref="ConnectionPipeStream"/>), and
/// the forwarder gets an already-ended stream, so its copy loops return at once.
/// </summary>
internal sealed class MeteredUpgradeFeature : IHttpUpgradeFeature
{
    private readonly IHttpUpgradeFeature _inner;
    private readonly ConnectionHandoff _handoff;
    private readonly SessionTunnel _tunnel;

    public MeteredUpgradeFeature(IHttpUpgradeFeature inner, ConnectionHandoff handoff, SessionTunnel tunnel)
    {
        _inner = inner;
        _handoff = handoff;
        _tunnel = tunnel;
    }

    public bool IsUpgradableRequest => _inner.IsUpgradableRequest;

    public async Task<Stream> UpgradeAsync()
    {
        await _inner.UpgradeAsync().ConfigureAwait(false);
        _handoff.HandOff();

        _tunnel.Attach(TunnelSide.Client, new ConnectionPipeStream(_handoff.Transport, _handoff.Socket));
        return HandedOffStream.Instance;
    }
}
